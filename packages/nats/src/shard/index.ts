// Shard processes on NATS: their config and how to start one.
export * from './shardConfig.js';
export * from './startNatsShard.js';
export * from './clusterBuckets.js';
