// Distribution: shards that serve functions and report load, and the client that routes calls to them.
export * from './shard.js';
export * from './processLoad.js';
export * from './functionStats.js';
export * from './shardDirectory.js';
export * from './shardBreakers.js';
export * from './clusterClient.js';
export * from './clusterRegistry.js';
export * from './shardRegistry.js';
