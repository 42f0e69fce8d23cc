// The pure side of sagas: definitions, the records a saga stream holds, the fold, the planner, retry and compensation rules.
export * from './sagaDefinition.js';
export * from './sagaRecords.js';
export * from './sagaInstance.js';
export * from './sagaReaction.js';
export * from './sagaPlan.js';
export * from './stepRetry.js';
export * from './compensationOrder.js';
export * from './waitMatch.js';
export * from './sagaErrors.js';
export * from './sagaTimeline.js';
