// The routing simulator: scenarios, the compared policies, the replay and the distance to the perfect-knowledge floor.
export * from './scenario.js';
export * from './scaleScenario.js';
export * from './simPolicies.js';
export * from './simulate.js';
export * from './floorRatio.js';
