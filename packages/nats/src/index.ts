// @lucent/nats: NATS adapters — the transport between callers and shards, shard processes, and the registry store.
export * from './transport/wireFormat.js';
export * from './transport/natsTransport.js';
export * from './transport/connectNats.js';
export * from './security/connectionSecurity.js';
export * from './security/serverConfig.js';
export * from './shard/index.js';
export * from './registry/index.js';
export * from './deploy/index.js';
export * from './rateLimits/kvRateLimits.js';
export * from './chaos/kvChaos.js';
