// @lucent/nestjs: the HTTP layer — LucentModule, caller identity from tokens, the functions controller, pipes, OpenAPI, error mapping.
// The package's whole public API, by area.

// The module and its injection tokens.
export { LUCENT_INVOKER, FUNCTION_MANAGER, CALL_CONTEXT_RESOLVER, OPENAPI_OPTIONS, LUCENT_LOGGER } from './tokens.js';
export { LucentModule } from './lucentModule.js';
export type { LucentModuleOptions } from './lucentModule.js';

// Caller identity: bearer tokens, claims and ownership checks.
export { resolveClaimNames } from './auth/lucentAuth.js';
export type { LucentClaimNames, LucentAuthOptions, ResolvedClaimNames } from './auth/lucentAuth.js';
export { verifyBearerToken } from './auth/bearerToken.js';
export type { BearerKey, BearerVerifyOptions } from './auth/bearerToken.js';
export { rolesOf, callerFromClaims } from './auth/callerFromClaims.js';
export type { LucentCaller } from './auth/callerFromClaims.js';
export { actingFor, assertMayAccess, seesEveryone, supportRoles } from './auth/ownership.js';
export type { Principal } from './auth/ownership.js';

// The call context of a request and the guard that builds it.
export { callContextOf, invokeOptionsFor, callContextKey, LucentCall } from './callContext/callContext.js';
export type { CallContext, RequestWithCallContext } from './callContext/callContext.js';
export { CallContextResolver } from './callContext/callContextResolver.js';
export { LucentCallGuard } from './callContext/lucentCallGuard.js';

// Validation of inputs against a function's contract.
export { ContractPipe } from './pipes/contractPipe.js';
export type { ContractPipeOptions } from './pipes/contractPipe.js';

// OpenAPI: the document built from contracts, and its controller.
export { openApiDocument } from './openapi/openApiDocument.js';
export type { OpenApiInfo, DocumentedFunction, DocumentedRoute, OpenApiBuildOptions } from './openapi/openApiDocument.js';
export { OpenApiController } from './openapi/openApiController.js';

// The functions controller and the error mapping to HTTP.
export { FunctionsController } from './functions/functionsController.js';
export { toHttpError, LucentExceptionFilter } from './errors/lucentExceptionFilter.js';
export type { ErrorBody } from './errors/lucentExceptionFilter.js';

// Operators' HTTP interface: the registry admin endpoints, their guard and its token verification.
export { ADMIN_REGISTRY_STORE, ADMIN_AUTH_OPTIONS, ADMIN_SHADOW_REPORTS } from './admin/adminTokens.js';
export { verifyAdminToken, resolveVerifyKey } from './admin/adminAuth.js';
export type { AdminAuthOptions, AdminIdentity } from './admin/adminAuth.js';
export { adminIdentityKey, AdminGuard } from './admin/adminGuard.js';
export type { RequestWithAdmin } from './admin/adminGuard.js';
export { RegistryAdminController } from './admin/registryAdminController.js';
export type { ShadowReportAnswer } from './admin/registryAdminController.js';
export { LucentAdminModule } from './admin/lucentAdminModule.js';
export type { LucentAdminModuleOptions } from './admin/lucentAdminModule.js';

// Routes: Lucent functions behind hand-written Nest routes.
export { LucentRoute, ROUTE_SPEC } from './routes/lucentRoute.js';
export type { HttpMethod, RouteSpec, RegisteredRoute } from './routes/lucentRoute.js';
export { LucentRouteGuard } from './routes/lucentRouteGuard.js';

// The HTTP application: options, request-input checks, draining on shutdown.
export { resolveHttpOptions, servedRoutes, createLucentApp } from './http/lucentHttp.js';
export type { LucentHttpOptions, ResolvedHttpOptions } from './http/lucentHttp.js';
export { jsonNestingExceeds, jsonTextMayHoldBadStrings, badStringIn, assertStorableStrings } from './http/requestInput.js';
export { drainHttp } from './http/drainHttp.js';
export type { DrainOutcome } from './http/drainHttp.js';

// Health, API docs, metrics and rate limiting.
export { LucentHealthController, LucentHealthModule } from './health/lucentHealthModule.js';
export type { ReadinessProbe, LucentHealthOptions } from './health/lucentHealthModule.js';
export { ApiDocsController } from './openapi/apiDocsController.js';
export { documentNestRoutes } from './openapi/documentNestRoutes.js';
export { prometheusContentType, LucentMetricsController, LucentMetricsModule } from './metrics/lucentMetricsModule.js';
export type { LucentMetricsOptions } from './metrics/lucentMetricsModule.js';
export { RATE_LIMITS } from './tokens.js';

// The operator console's server side: the module, the call log, live views and history answers.
export { p99, CallLog } from './console/callLog.js';
export type { CallRecord, CallFilter, VersionRates, CallLogOptions } from './console/callLog.js';
export { recordCalls } from './console/recordCalls.js';
export type { RecordCallsOptions } from './console/recordCalls.js';
export { shardStatus, shardEntry, ClusterView } from './console/clusterView.js';
export type {
  ShardStatus, BreakerState, ShardEntry, ClusterAnswer, ClusterSource, ConsoleSelf, ClusterViewSources
} from './console/clusterView.js';
export { functionEntries } from './console/functionsView.js';
export type { VersionEntry, FunctionEntry } from './console/functionsView.js';
export { bundleRows } from './console/bundlesView.js';
export { CONSOLE_RUNTIME } from './console/consoleOptions.js';
export type {
  ConsoleStoreName, ConsoleStore, ConsoleBundle, ConsoleLiveOptions, LucentConsoleOptions
} from './console/consoleOptions.js';
export { probeStore, ConsoleRuntime } from './console/consoleRuntime.js';
export type { SessionAnswer, StoreStatus } from './console/consoleRuntime.js';
export { contentTypeOf, candidateDirs, notBuiltPage, fileNamePattern, ConsoleFiles } from './console/consoleFiles.js';
export type { ConsoleFile } from './console/consoleFiles.js';
export { sseFrame, LiveHub } from './console/consoleLive.js';
export type { LiveSources } from './console/consoleLive.js';
export { ConsoleApiController } from './console/consoleApiController.js';
export type { OverviewAnswer } from './console/consoleApiController.js';
export { ConsoleLifecycle, LucentConsoleModule } from './console/lucentConsoleModule.js';
export {
  ConsoleHistoryGuard, consoleHistoryControllers, CONSOLE_HISTORY_SOURCES, CONSOLE_READ_GUARD
} from './console/history/index.js';
export type {
  SagaRow, SagaTimelineAnswer, CronRow, CronRun, ScheduleOverview, TimerRow, WaitRow, EventRow, ProjectionRow, DivergedDecision,
  ReplayAnswer, ReplayDecider, ConsoleHistorySources, ConsoleReadGuard
} from './console/history/index.js';
