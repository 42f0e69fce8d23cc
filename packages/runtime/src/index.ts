// @lucent/runtime: the imperative shell — function manager, buses, workers, resilience, observability.
// The package's public API, by area; the cluster layer (Shard, ClusterClient, the shard and cluster registries) is at
// @lucent/runtime/cluster, the saga test kit at @lucent/runtime/testing.

// Invoking functions: the Invoker port and the invoker that routes by placement.
export type { Placement, InvokeOptions, FunctionInfo, Invoker } from './invoker/invoker.js';
export { RoutedInvoker } from './invoker/routedInvoker.js';
export type { RoutedInvokerOptions } from './invoker/routedInvoker.js';

// The FunctionManager: registered functions, their execution, observers and shadow calls.
export { FunctionManager } from './functionManager/functionManager.js';
export type {
  FunctionExecutor, FunctionManagerOptions, FunctionObserver, ShadowCall, ShadowObserver
} from './functionManager/functionManager.js';

// Service classes: the base class and the scoped service directory.
export { LucentServiceBase, ServiceDirectory, serviceScope, businessFields, rootScope } from './services/lucentServiceBase.js';
export type {
  ServiceDependencies, ServiceCallOptions, ScopedService, ServiceMap, ServiceLookup, ServicePlacement, ServiceScope, ScopeInit
} from './services/lucentServiceBase.js';

// Observability: logging, Prometheus metrics and their server, OpenTelemetry tracing, instrumented event stores.
export { pinoLogger, createLogger } from './observability/logger.js';
export { LucentMetrics } from './observability/metrics.js';
export type {
  LucentMetricsOptions, BreakerSource, DependencyBreakerSource, RateLimitSource, ChaosFaultSource, ProjectionSource, SagaSource,
  RegistryRevisionSource
} from './observability/metrics.js';
export { FunctionMetrics } from './observability/functionMetrics.js';
export { instrumentEventStore } from './observability/instrumentedEventStore.js';
export type { InstrumentedEventStore } from './observability/instrumentedEventStore.js';
export { serveMetrics } from './observability/metricsServer.js';
export type { MetricsServer, MetricsServerOptions } from './observability/metricsServer.js';
export {
  tracingActive, startTracing, traceparentOfSpan, traceparentOf, sampledOut, spanParent, spanContextOf, remoteContext, linksTo,
  parentContext, inSpan, startSpan, endWhenSettled, openServerSpan, markFailed, businessAttributes, spanRecord, SpanKind,
  JsonLinesSpanExporter
} from './observability/tracing.js';
export type { TracingOptions, Tracing, OpenSpan, SpanRecord } from './observability/tracing.js';
export { traceEventStore } from './observability/tracedEventStore.js';

// The event store port, its in-memory implementation, catch-up subscriptions and the checks every store applies.
export type {
  ExpectedVersion, EventMetadata, NewEvent, StoredEvent, AppendOptions, AppendResult, ReadStreamOptions, ReadAllOptions,
  SubscribeOptions, Subscription, EventStore
} from './eventStore/eventStore.js';
export { MemoryEventStore } from './eventStore/memoryEventStore.js';
export type { MemoryEventStoreOptions } from './eventStore/memoryEventStore.js';
export { CatchUpSubscription } from './eventStore/catchUpSubscription.js';
export type { SubscriptionSource, WakeSource } from './eventStore/catchUpSubscription.js';
export {
  newEventId, isGeneratedEventId, prepareAppend, canonicalJson, idempotencyFingerprint, checkStreamName, checkReadStream,
  checkReadAll, checkSubscribe, checkSubscriberId, checkSaveCheckpoint, defaultMaxEventBytes, generatedIdPrefix
} from './eventStore/appendInput.js';
export type { PreparedEvent } from './eventStore/appendInput.js';
export { readableHead } from './eventStore/readableHead.js';

// CQRS: decider command handlers, decision records and replay, the command, query and event buses.
export { DeciderCommandHandler } from './cqrs/deciderCommandHandler.js';
export type { DeciderCommandHandlerOptions, CommandOptions, CommandResult } from './cqrs/deciderCommandHandler.js';
export { decisionRecordOf, decisionMetadataKey } from './cqrs/decisionRecord.js';
export type { DecisionRecord } from './cqrs/decisionRecord.js';
export { firstDifference, replayStream } from './cqrs/replay.js';
export type { ReplayInvoker, ReplayStatus, ReplayDifference, BatchReplay, StreamReplay, ReplayOptions } from './cqrs/replay.js';
export { CommandBus, QueryBus } from './cqrs/commandBus.js';
export type { BusDefinitions, BusHandler } from './cqrs/commandBus.js';
export { EventBus } from './cqrs/eventBus.js';
export type { EventHandler } from './cqrs/eventBus.js';

// Projections: the store port, its in-memory implementation and the projector.
export type { ProjectionStore } from './projections/projectionStore.js';
export { MemoryProjectionStore } from './projections/memoryProjectionStore.js';
export { Projector } from './projections/projector.js';
export type { ProjectorOptions } from './projections/projector.js';

// The registry's shell part: the store port and in-memory store, audit log, watcher, shadow runs and admin.
export type {
  RegistryChange, RegistryWatchOptions, RegistryWatch, RegistryHistoryOptions, RegistryStore
} from './registry/registryStore.js';
export { rulesChangedEvent, registryStreamOf, RegistryAuditLog } from './registry/registryAudit.js';
export { MemoryRegistryStore } from './registry/memoryRegistryStore.js';
export type { MemoryRegistryStoreOptions } from './registry/memoryRegistryStore.js';
export { RegistryWatcher } from './registry/registryWatcher.js';
export type { RulesTarget, RegistryWatcherOptions } from './registry/registryWatcher.js';
export { shadowReport, mergeShadowReports, shadowStreamOf, ShadowRunner } from './registry/shadowRunner.js';
export type { ShadowRunnerOptions, ShadowDivergence, ShadowPairReport } from './registry/shadowRunner.js';
export { RegistryAdmin } from './registry/registryAdmin.js';
export { contractFingerprint, registeredVersionOf } from './registry/contractFingerprint.js';
export { registerCompiledVersions } from './registry/registerCompiledVersions.js';
export type { CompiledRegistration } from './registry/registerCompiledVersions.js';
export { seedDefaultRoutes } from './registry/seedDefaultRoutes.js';
export type { SeededRoutes } from './registry/seedDefaultRoutes.js';

// Hot deployment: signed bundle manifests, verification, bundle stores, the bundle worker and deployer.
export { manifestSigningBytes, isBundleId, bundleIdFor, parseManifest, bundleFormat } from './deploy/bundleManifest.js';
export type { BundleFingerprint, BundledFunction, BundleManifest, StoredBundle } from './deploy/bundleManifest.js';
export { BundleRejectedError } from './deploy/bundleRejectedError.js';
export type { BundleRejectionReason } from './deploy/bundleRejectedError.js';
export {
  generateSigningKeyPair, privateSigningKey, publicVerifyKey, sha256Of, signManifest, manifestSignatureValid
} from './deploy/bundleSignature.js';
export type { SigningKeyPair } from './deploy/bundleSignature.js';
export { verifyBundle } from './deploy/verifyBundle.js';
export type { VerifiedBundle } from './deploy/verifyBundle.js';
export type { BundleWatchOptions, BundleWatch, BundleStore } from './deploy/bundleStore.js';
export { MemoryBundleStore } from './deploy/memoryBundleStore.js';
export { FileBundleStore } from './deploy/fileBundleStore.js';
export type { FileBundleStoreOptions } from './deploy/fileBundleStore.js';
export { encodeBundleEnvelope, decodeBundleEnvelope } from './deploy/bundleEnvelope.js';
export { BundleWorker } from './deploy/bundleWorker.js';
export type { WorkerFunctionInfo, BundleWorkerOptions } from './deploy/bundleWorker.js';
export { workerFunction } from './deploy/workerFunction.js';
export type { WorkerFunctionMeta } from './deploy/workerFunction.js';
export { recordBundleVersions } from './deploy/recordBundleVersions.js';
export { BundleDeployer } from './deploy/bundleDeployer.js';
export type { BundleDeployerOptions, BundleOutcome } from './deploy/bundleDeployer.js';

// The Scheduler: the timer store port and in-memory store, the scheduling API, cron.
export { checkOutcomeQuery } from './scheduler/timerStore.js';
export type {
  NewTimer, RetryOf, TimerState, TimerOutcomeKind, ExternalMatch, TimerRecord, FireReason, ClaimedTimer, ScheduleResult,
  OutcomeInput, CompleteInput, TimerOutcomeRecord, NewArrival, ArrivalStatus, ArrivalRecord, DeliveryResult, Completion,
  ClaimOptions, TimerStoreListener, OutcomeQuery, TimerQuery, TimerStore
} from './scheduler/timerStore.js';
export { triggerKinds } from './scheduler/schedulerApi.js';
export type {
  TimerFiring, TimerHandler, HandlerOptions, CronJob, OneOffTimer, ExternalWait, WaitRegistration, DeliverOptions, EventTrigger,
  ConditionDefinition, ConditionCheck, ConditionWait, TriggerRequest
} from './scheduler/schedulerApi.js';
export { cronOccurrences } from './scheduler/cronSchedule.js';
export { neverDue, Scheduler } from './scheduler/scheduler.js';
export type { FiringObserver, SchedulerOptions } from './scheduler/scheduler.js';
export { finalOutcome, announceWithinMs, MemoryTimerStore } from './scheduler/memoryTimerStore.js';

// The transport port, its in-process implementation and the wire's error helpers.
export type { RemoteCall, RemoteReply, CallHandler, Served, Transport } from './transport/transport.js';
export { InProcessTransport } from './transport/inProcessTransport.js';
export type { InProcessTransportOptions } from './transport/inProcessTransport.js';
export { reviveError, serializeError, shardUnavailable, noReplyInTime, isTransportFailure } from './transport/wireErrors.js';

// The saga shell: the runner, its command messages, its seam to the Scheduler and the saga catalog.
export { commandBusExecutor, sagaErrorOf } from './sagas/sagaCommandMessage.js';
export type { SagaCommandMessage, SagaCommandExecutor } from './sagas/sagaCommandMessage.js';
export { SagaScheduling } from './sagas/sagaScheduling.js';
export type { WaitArrival, SagaSchedulingHandlers } from './sagas/sagaScheduling.js';
export { SagaRunner } from './sagas/sagaRunner.js';
export type { SagaRunnerHooks, SagaRunnerOptions, SagaView, StartedSaga } from './sagas/sagaRunner.js';
export { checkSagaListQuery, sagaStatuses, SagaCatalog } from './sagas/sagaCatalog.js';
export type { SagaSummary, SagaListQuery, SagaList, SagaDetail } from './sagas/sagaCatalog.js';

// The heavy-function worker pool.
export { WorkerPoolExecutor } from './workers/workerPoolExecutor.js';
export type { WorkerPoolOptions } from './workers/workerPoolExecutor.js';
export type { WorkerContextSeed, WorkerTask, WorkerNote, WorkerReply } from './workers/workerTask.js';
export type { HeavyWorkerData } from './workers/heavyWorker.js';

// Resilience: policies per dependency and function, rate limits, timeouts, resilient stores and chaos injection.
export { isTransient, isDependencyFailure } from './resilience/failureKinds.js';
export { DependencyPolicy } from './resilience/dependencyPolicy.js';
export type {
  RetryOptions, CircuitOptions, BulkheadOptions, PolicyOptions, DependencyFaults, CircuitStateName, CircuitTransition
} from './resilience/dependencyPolicy.js';
export { functionDependency, Resilience } from './resilience/resilience.js';
export type { ResilienceConfig, ResilienceOptions } from './resilience/resilience.js';
export { parseRateLimits, parseRateLimitSpec, limitFor } from './resilience/rateLimitsDocument.js';
export type { RateLimit, RateLimitsDocument } from './resilience/rateLimitsDocument.js';
export { RateLimits } from './resilience/rateLimits.js';
export type { RateLimitsOptions, RateLimitRefusal } from './resilience/rateLimits.js';
export { GuardedInvoker } from './resilience/guardedInvoker.js';
export type { GuardedInvokerOptions } from './resilience/guardedInvoker.js';
export { withTimeout } from './resilience/handlerTimeout.js';
export { resilientEventStore, resilientProjectionStore } from './resilience/resilientStores.js';
export {
  parseChaosDocument, chaosIsEmpty, chaosFaultFor, chaosOutcome, chaosNeedsDraw, withChaosFault
} from './resilience/chaosDocument.js';
export type { ChaosFault, ChaosDocument, ChaosScope, ChaosFaultKind, ChaosOutcome } from './resilience/chaosDocument.js';
export { chaosAllowed, isChaosFault, chaosError, Chaos } from './resilience/chaos.js';
export type { ChaosOptions, InjectedFault, CallFaults } from './resilience/chaos.js';
export { chaosTransport } from './resilience/chaosTransport.js';
export { ChaosInvoker } from './resilience/chaosInvoker.js';
