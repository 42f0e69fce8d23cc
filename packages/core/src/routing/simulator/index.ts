// @lucent/core/simulator: the routing simulator — scenarios, the compared policies, the replay and the distance
// to the perfect-knowledge floor. Used by `lucent simulate` and the bench, kept out of the main entry.
export { slowShardScenario, meanServiceMs, capacityPerSecond } from './scenario.js';
export type { ServiceTime, SimShard, SimScenario } from './scenario.js';
export { scaleScenario, scaleBaseServiceMs } from './scaleScenario.js';
export type { ScaleScenarioOptions } from './scaleScenario.js';
export {
  lucentPolicy, randomPolicy, roundRobinPolicy, leastLoadedStalePolicy, jsqFreshPolicy, sedFreshPolicy, allSimPolicies,
} from './simPolicies.js';
export type { SimDecisionInput, SimPolicy } from './simPolicies.js';
export { simulate, comparePolicies, formatSimResults } from './simulate.js';
export type { SimResult } from './simulate.js';
export { floorRatios, formatFloorRatios, floorBound, floorPolicyName, slowShardIds } from './floorRatio.js';
export type { FloorRatio } from './floorRatio.js';
