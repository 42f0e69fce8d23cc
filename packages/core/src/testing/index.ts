// @lucent/core/testing: test kits for pure code, kept out of the main entry — given/when/then for deciders,
// projections and sagas, a determinism check, and a virtual clock.
export { deciderSpec } from './deciderSpec.js';
export type { DeciderThen } from './deciderSpec.js';
export { projectionSpec, asStored } from './projectionSpec.js';
export { sagaScenario } from './sagaSpec.js';
export type { SagaScenario } from './sagaSpec.js';
export { checkDeterminism, assertDeterministic } from './determinism.js';
export type { DeterminismReport } from './determinism.js';
export { VirtualClock } from './virtualClock.js';
