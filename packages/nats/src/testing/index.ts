// @lucent/nats/testing: the registry test nodes — child processes on NATS that the multi-process registry spec
// and the propagation benchmark start, drive and stop — kept out of the main entry.
export { startNode, appliedEverywhere, stopNode } from '../registry/registryNodes.js';
export type { NodeHandle, StartNodeOptions } from '../registry/registryNodes.js';
export { testFunctionName } from '../registry/registryTestProtocol.js';
export type { NodeReport, InvokeRequest, InvokeReply } from '../registry/registryTestProtocol.js';
