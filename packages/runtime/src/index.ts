// @lucent/runtime: the imperative shell — function manager, buses, workers, resilience, observability.
export * from './functionManager/functionManager.js';
export * from './services/lucentServiceBase.js';
export * from './observability/logger.js';
export * from './eventStore/eventStore.js';
export * from './eventStore/memoryEventStore.js';
export * from './eventStore/catchUpSubscription.js';
export * from './eventStore/appendInput.js';
export * from './cqrs/deciderCommandHandler.js';
export * from './cqrs/commandBus.js';
export * from './cqrs/eventBus.js';
export * from './projections/projectionStore.js';
export * from './projections/memoryProjectionStore.js';
export * from './projections/projector.js';
