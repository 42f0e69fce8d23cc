// @lucent/runtime/cluster: the cluster layer, kept out of the main entry — for shard processes, callers that
// route to them (ClusterClient as an Invoker), the transports' adapters, the CLI and the bench.
// Shards serve functions and report load; the client routes each call to one, retries elsewhere within its deadline
// and keeps failing shards off; the registries apply the registry's rules on a caller's and on a shard's side.

// Shards: a process serving functions over a transport, its load sample and per-function stats.
export { Shard } from './shard.js';
export type { ChaosSettings, ShardOptions } from './shard.js';
export { ProcessLoad } from './processLoad.js';
export type { ProcessLoadSample } from './processLoad.js';
export { FunctionStats } from './functionStats.js';

// The caller's side: the table of shards, the per-shard breakers and the client that routes calls.
export { ShardDirectory } from './shardDirectory.js';
export type { ShardDirectoryOptions, DropReason } from './shardDirectory.js';
export { ShardBreakers } from './shardBreakers.js';
export type { BreakerOptions } from './shardBreakers.js';
export { ClusterClient } from './clusterClient.js';
export type { ClusterClientOptions, RemoteInvokeOptions } from './clusterClient.js';

// The registry's rules applied in the cluster: on a caller's side and on a shard's side.
export { ClusterRegistry } from './clusterRegistry.js';
export type { RulesSource, SelectionOptions, SelectedCall, ClusterRegistryOptions } from './clusterRegistry.js';
export { ShardRegistry } from './shardRegistry.js';
export type { ShardBundles, ShardRegistryOptions } from './shardRegistry.js';
