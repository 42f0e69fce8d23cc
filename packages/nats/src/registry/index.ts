// The registry on NATS: the JetStream KV store, and the node processes its multi-process tests and benchmark drive.
export * from './kvRegistryStore.js';
export * from './registryNodes.js';
export * from './registryTestProtocol.js';
export * from './shadowReports.js';
