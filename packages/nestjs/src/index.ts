// @lucent/nestjs: the HTTP layer — LucentModule, caller identity from tokens, the functions controller, pipes, OpenAPI, error mapping.
export * from './tokens.js';
export * from './lucentModule.js';
export * from './auth/lucentAuth.js';
export * from './auth/bearerToken.js';
export * from './auth/callerFromClaims.js';
export * from './callContext/callContext.js';
export * from './callContext/callContextResolver.js';
export * from './callContext/lucentCallGuard.js';
export * from './pipes/contractPipe.js';
export * from './openapi/openApiDocument.js';
export * from './openapi/openApiController.js';
export * from './functions/functionsController.js';
export * from './errors/lucentExceptionFilter.js';
export * from './admin/index.js';
