// The operator console's server side: the module, the call log and the invoker that feeds it, and the answers' types.
export * from './callLog.js';
export * from './recordCalls.js';
export * from './clusterView.js';
export * from './functionsView.js';
export * from './bundlesView.js';
export * from './consoleOptions.js';
export * from './consoleRuntime.js';
export * from './consoleFiles.js';
export * from './consoleLive.js';
export * from './consoleApiController.js';
export * from './lucentConsoleModule.js';
export * from './history/index.js';
