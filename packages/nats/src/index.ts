// @lucent/nats: NATS adapters — the transport between callers and shards, shard processes, and the registry store.
// The package's whole public API, by area; the registry test nodes are at @lucent/nats/testing.

// The wire format: subjects, headers, JSON bodies and batched calls and replies.
export { header, batchHeader, callSubject, loadSubject } from './transport/wire/headerNames.js';
export type { HeaderRecord } from './transport/wire/headerNames.js';
export { encodeJson, decodeJson, asReply } from './transport/wire/jsonBody.js';
export { encodeCallHeaders } from './transport/wire/callHeaders.js';
export { decodeCall } from './transport/wire/decodeCall.js';
export { batchCallLines, batchCallHeaders } from './transport/wire/batchCalls.js';
export type { BatchedCall, BatchLines, BatchEntry } from './transport/wire/batchCalls.js';
export { batchReplyHeaders, readBatchReply } from './transport/wire/batchReplies.js';
export type { BatchReplyEntry } from './transport/wire/batchReplies.js';
export { readIncoming, readJsonBody, replyNumber } from './transport/wire/readMessage.js';
export type { ReceivedMsg, Incoming } from './transport/wire/readMessage.js';

// The NATS transport between callers and shards, and the connection it uses.
export { NatsTransport } from './transport/natsTransport.js';
export type { NatsTransportOptions } from './transport/natsTransport.js';
export { connectNats } from './transport/connectNats.js';
export type { ConnectOptions } from './transport/connectNats.js';

// Security: TLS and credentials for clients, and the server's role-based configuration.
export { resolveNatsSecurity, natsSecurityEnv, NatsSecurityError } from './security/connectionSecurity.js';
export type { NatsTlsFiles, NatsSecurityOptions, NatsSecurity } from './security/connectionSecurity.js';
export { createRoleUser, renderPermissions, renderServerConfig } from './security/serverConfig.js';
export type {
  NatsRole, NatsRoleUser, NatsRoleIdentity, PermissionsInput, ServerTlsFiles, ServerConfigInput
} from './security/serverConfig.js';

// Shard processes on NATS: their config, how to start one, and the cluster's bucket names.
export { parseShardConfig, ShardConfigSchema } from './shard/shardConfig.js';
export type { ShardConfig, RegistryConfig, ShadowConfig, BundlesConfig, HeavyPoolConfig } from './shard/shardConfig.js';
export { startNatsShard, setShardChaos } from './shard/startNatsShard.js';
export type { StartShardOptions, RunningShard } from './shard/startNatsShard.js';
export { registryBucketFor, bundleBucketFor } from './shard/clusterBuckets.js';

// The registry on NATS: the JetStream KV store and shadow-run reports.
export { KvRegistryStore } from './registry/kvRegistryStore.js';
export type { KvRegistryStoreOptions } from './registry/kvRegistryStore.js';
export { shadowReportSubject, serveShadowReports, askShadowReports } from './registry/shadowReports.js';
export type { ShardShadowReport } from './registry/shadowReports.js';

// Hot deployment over NATS: the JetStream Object Store bundle store and the shards' bundle verdicts.
export { NatsBundleStore } from './deploy/natsBundleStore.js';
export type { NatsBundleStoreOptions } from './deploy/natsBundleStore.js';
export {
  bundleStatusSubject, verdictOf, serveBundleStatus, askBundleStatus, awaitBundleVerdicts
} from './deploy/bundleStatus.js';
export type { BundleVerdict, ShardBundleStatus } from './deploy/bundleStatus.js';

// Rate limits kept in JetStream KV.
export { limitsBucketFor, KvRateLimits } from './rateLimits/kvRateLimits.js';
export type { KvRateLimitsOptions } from './rateLimits/kvRateLimits.js';

// Chaos settings kept in JetStream KV.
export { chaosBucketFor, KvChaos } from './chaos/kvChaos.js';
export type { KvChaosOptions } from './chaos/kvChaos.js';
