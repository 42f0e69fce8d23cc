// Routing: the shard-choice policy, its inputs (load reports, the caller's view, placement rules) and the simulator.
export * from './loadReport.js';
export * from './liveness.js';
export * from './routingCall.js';
export * from './routingRules.js';
export * from './routingTuning.js';
export * from './eligibleShards.js';
export * from './shardScore.js';
export * from './powerOfTwoChoices.js';
export * from './routingDenied.js';
export * from './callerViewTracker.js';
export * from './simulator/index.js';
