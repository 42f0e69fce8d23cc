// @lucent/core: the functional core. Types and pure functions only; no I/O, clock or randomness.
// The package's whole public API, by area. Test kits are at @lucent/core/testing, the routing simulator at @lucent/core/simulator.

// Errors: typed values with a stable code each.
export {
  httpStatusFor, isLucentError, errorFromJSON, LucentError, ValidationError, FunctionNotFoundError, FunctionDisabledError,
  DeadlineExceededError, FunctionFailedError, JurisdictionDeniedError, ConcurrencyError, IdempotencyKeyReusedError,
  DuplicateEventIdError, RuleViolationError, RegistryConflictError, ContractIncompatibleError
} from './errors/errors.js';
export type { ErrorCode, FieldIssue, SerializedError } from './errors/errors.js';

// Contracts: a function's input and output schemas (Standard Schema) and their checks.
export { toFieldIssues, validate, contractJsonSchema, canonicalJson } from './contracts/contract.js';
export type { StandardSchemaV1, Contract, ContractInput, ContractOutput } from './contracts/contract.js';

// The function context: clock, ids, randomness and trace context handed to pure code.
export { createFunctionContext, silentLogger, noopSpan, InvocationContext } from './context/functionContext.js';
export type {
  DomainEvent, LogFields, Logger, Span, BusinessMetadata, ShardInfo, ExecutionInfo, FunctionContext, ContextSeed,
  CorrelationIdSource
} from './context/functionContext.js';
export { parseTraceparent } from './context/traceparent.js';
export type { TraceIds } from './context/traceparent.js';
export { seededRandom, seededUuid } from './context/seededRandom.js';

// Functions: definitions, the decorator, execution and the typed registry.
export { checkSpec, toDefinition, defineFunction, isFunctionDefinition } from './functions/defineFunction.js';
export type {
  Priority, ResourceClass, JurisdictionRule, FunctionMeta, Handler, FunctionDefinition, AnyFunctionDefinition, InputOf, OutputOf,
  FunctionSpec
} from './functions/defineFunction.js';
export { LucentFunction, functionsOf, decoratedMethodsOf, functionOf } from './functions/decorator.js';
export { resultOf, execute } from './functions/execute.js';
export type { InvocationResult } from './functions/execute.js';
export { functionMap } from './functions/typedRegistry.js';
export type { FunctionMap, FunctionName, TypedInvoke } from './functions/typedRegistry.js';

// Deciders: decide/evolve over a stream, and decision functions.
export { foldEvents } from './deciders/decider.js';
export type { Decider } from './deciders/decider.js';
export { decisionFunction } from './deciders/decisionFunction.js';
export type { DecisionInput, DecisionSpec } from './deciders/decisionFunction.js';

// Retry: the policy and delay shared by decisions, saga steps and timers.
export { retryDelay, defaultRetryPolicy } from './retry/retryPolicy.js';
export type { RetryPolicy } from './retry/retryPolicy.js';

// Projections: folds from events to views.
export { projectBatch, keysOf } from './projections/projection.js';
export type { ProjectedEvent, Projection, ViewRecord } from './projections/projection.js';

// The pure side of scheduling: misfire decisions, next-fire computation, event filters, external matching.
export { decideMisfire, misfirePolicies } from './scheduling/misfirePolicy.js';
export type { MisfirePolicy, MisfireInput, MisfireDecision } from './scheduling/misfirePolicy.js';
export { firstDueAt, occurrencesBetween, everyMs } from './scheduling/cronOccurrences.js';
export type { Occurrences } from './scheduling/cronOccurrences.js';
export { matchesEventFilter } from './scheduling/eventFilter.js';
export type { EventFilter, FilterableEvent } from './scheduling/eventFilter.js';
export { judgeArrival, firstMatchingArrival } from './scheduling/externalMatch.js';
export type { ExternalWaitView, ExternalArrivalView, ArrivalVerdict } from './scheduling/externalMatch.js';
export { isTimerKind, jsonValueIssues, checkTimerRequest, timerKinds } from './scheduling/timerSpec.js';
export type { TimerKind, JsonValue, TimerRequestShape } from './scheduling/timerSpec.js';
export { ScheduleInvalidError } from './scheduling/scheduleErrors.js';
export { nextRetryAt, retryPolicyIssues, defaultCronRetryPolicy, maxRunAttempts } from './scheduling/runRetry.js';

// The registry's pure part: rule types, version selection, contract safety, rule and route edits.
export type {
  ContractFingerprint, BundleReference, RegisteredVersion, JurisdictionRules, PlacementRules, StickyKey, RolloutSettings,
  FunctionRules, RulesEntry, ChangeAudit, RulesChangeRecord
} from './registry/functionRules.js';
export { murmur3Bytes, murmur3 } from './registry/murmur3.js';
export { normaliseJurisdiction, normaliseJurisdictionRules, jurisdictionAllowed } from './registry/jurisdictions.js';
export { bucketOf, weightBuckets, rulesAllowJurisdiction, selectVersion, bucketCount } from './registry/selectVersion.js';
export type { SelectionContext, VersionSelection } from './registry/selectVersion.js';
export { contractCompatibility } from './registry/contractCompatibility.js';
export type { Compatibility } from './registry/contractCompatibility.js';
export { rulesIssues, servingVersions, checkRulesChange } from './registry/checkRulesChange.js';
export {
  initialRules, registerVersion, activateVersion, setWeights, setShadow, setEnabled, setJurisdictions, setPlacement, setPriority,
  reseedRollout, unreleasedRules, unregisterVersion
} from './registry/ruleChanges.js';
export { setRoute, removeRoute, clearRoutes } from './registry/routeChanges.js';
export { routeIssues, routesIssues } from './registry/routeIssues.js';
export { versionsFromManifest } from './registry/manifestVersions.js';
export { rollbackTarget } from './registry/rollbackTarget.js';

// Routing: the shard-choice policy and its inputs (load reports, liveness, the caller's view, placement rules). The simulator is at @lucent/core/simulator.
export { isNewerReport } from './routing/loadReport.js';
export type { HostedFunctionLoad, LoadReport } from './routing/loadReport.js';
export { lastHeardAt, isAlive, aliveShards, expiredShards, defaultLiveness } from './routing/liveness.js';
export type { LivenessOptions } from './routing/liveness.js';
export { routingFactsOf, routingCallOf, isDenied, emptyCallerView } from './routing/routingCall.js';
export type {
  CallFact, RoutingCall, CallerView, LinkDelay, RoutingDenialCode, RoutingDecision, RoutingPlan
} from './routing/routingCall.js';
export {
  coversFunction, ruleApplies, tagsSatisfy, routesFor, thresholdRule, conditionText, describeRoute
} from './routing/routingRules.js';
export type { FactCondition, FunctionRoute, RoutingRule } from './routing/routingRules.js';
export { tuningWith, defaultRoutingTuning } from './routing/routingTuning.js';
export type { RoutingTuning } from './routing/routingTuning.js';
export { isOverloaded, eligibleShards } from './routing/eligibleShards.js';
export type { Eligibility } from './routing/eligibleShards.js';
export {
  decayedErrors, slowStartWeight, referenceLatencyMs, effectiveLatencyMs, referenceLinkDelayMs, linkExtraMs, shardScore
} from './routing/shardScore.js';
export { chooseShard, rankShards } from './routing/powerOfTwoChoices.js';
export type { RankOptions } from './routing/powerOfTwoChoices.js';
export { routingDeniedError } from './routing/routingDenied.js';
export { decayedLinkDelayMs, CallerViewTracker } from './routing/callerViewTracker.js';

// The pure side of sagas: definitions, stream records, the fold, the planner, retry and compensation rules, the timeline.
export { defineSaga } from './sagas/sagaDefinition.js';
export type {
  SagaCommand, TimerRequest, FieldCondition, WaitRequest, SagaReaction, SagaLifecycleEvent, SagaEvent, StepPolicy,
  SagaDefinition, AnySagaDefinition
} from './sagas/sagaDefinition.js';
export { sagaRecordTypes } from './sagas/sagaRecords.js';
export type { IssuedStep, ArmedTimer, ArmedWait, StoredTrigger, SagaRecord, SagaRecordType } from './sagas/sagaRecords.js';
export { isFinished, settledBy, evolveSaga, foldSaga, finishedStatuses } from './sagas/sagaInstance.js';
export type { SagaStatus, PendingStep, SagaInstance } from './sagas/sagaInstance.js';
export { stepPolicyFor, reactionRecord, defaultStepDeadlineMs } from './sagas/sagaReaction.js';
export { planSaga, stepKey, compensationKey } from './sagas/sagaPlan.js';
export type { SagaWork } from './sagas/sagaPlan.js';
export { decideRetry, defaultStepRetry, defaultCompensationRetry, transientCodes } from './sagas/stepRetry.js';
export type { RetryDecision } from './sagas/stepRetry.js';
export { nextCompensation, compensationOrder } from './sagas/compensationOrder.js';
export { payloadSatisfies } from './sagas/waitMatch.js';
export { SagaTypeUnknownError, SagaNotFoundError } from './sagas/sagaErrors.js';
export { sagaTimeline } from './sagas/sagaTimeline.js';
export type { SagaTimelineKind, SagaTimelineEntry } from './sagas/sagaTimeline.js';
