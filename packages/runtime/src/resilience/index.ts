// Resilience at the edges: policies per dependency and function, rate limits, and the decorators that apply them.
export * from './failureKinds.js';
export * from './dependencyPolicy.js';
export * from './resilience.js';
export * from './rateLimitsDocument.js';
export * from './rateLimits.js';
export * from './guardedInvoker.js';
export * from './handlerTimeout.js';
export * from './resilientStores.js';
export * from './chaosDocument.js';
export * from './chaos.js';
export * from './chaosTransport.js';
export * from './chaosInvoker.js';
