// @lucent/nestjs: the HTTP layer — LucentModule, the functions controller, error mapping.
export * from './tokens.js';
export * from './lucentModule.js';
export * from './functions/functionsController.js';
export * from './errors/lucentExceptionFilter.js';
export * from './admin/index.js';
