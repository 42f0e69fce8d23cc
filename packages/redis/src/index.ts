// @lucent/redis: the projection store and rate limits on Redis or Redis Cluster (ioredis).
// The package's whole public API, by area.

// Connections to Redis or Redis Cluster.
export { parseRedisConnection, redisConnectionFromEnv, openRedisClient, isCluster } from './connection/redisConnection.js';
export type { RedisConnection, RedisClient, RedisConnectionNames, OpenRedisOptions } from './connection/redisConnection.js';

// The projection store on Redis.
export { RedisProjectionStore } from './projections/redisProjectionStore.js';
export type { ReplicaWait, RedisProjectionStoreOptions } from './projections/redisProjectionStore.js';

// Rate limits on Redis.
export { openRedisRateLimits } from './rateLimits/redisRateLimits.js';
export type { RedisRateLimitsOptions } from './rateLimits/redisRateLimits.js';
