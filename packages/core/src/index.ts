// @lucent/core: the functional core. Types and pure functions only; no I/O, clock or randomness.
export * from './errors/errors.js';
export * from './contracts/contract.js';
export * from './context/functionContext.js';
export { seededRandom, seededUuid } from './context/seededRandom.js';
export * from './functions/defineFunction.js';
export * from './functions/decorator.js';
export * from './functions/execute.js';
export * from './functions/typedRegistry.js';
export * from './testing/determinism.js';
export * from './deciders/decider.js';
export * from './deciders/decisionFunction.js';
export * from './deciders/retryDelay.js';
export * from './projections/projection.js';
export * from './testing/deciderSpec.js';
export * from './testing/projectionSpec.js';
