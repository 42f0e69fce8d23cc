// The routing simulator: scenarios, the compared policies and the replay.
export * from './scenario.js';
export * from './simPolicies.js';
export * from './simulate.js';
