// @lucent/redis: the projection store and rate limits on Redis or Redis Cluster (ioredis).
export * from './connection/redisConnection.js';
export * from './projections/redisProjectionStore.js';
export * from './rateLimits/redisRateLimits.js';
