// @lucent/redis: the projection store on Redis (ioredis).
export * from './projections/redisProjectionStore.js';
export * from './rateLimits/redisRateLimits.js';
