// The registry's shell part: store port and stores, the watcher that applies rules to a node, shadow runs.
export * from './registryStore.js';
export * from './registryAudit.js';
export * from './memoryRegistryStore.js';
export * from './registryWatcher.js';
export * from './shadowRunner.js';
export * from './registryAdmin.js';
export * from './contractFingerprint.js';
export * from './registerCompiledVersions.js';
export * from './seedDefaultRoutes.js';
