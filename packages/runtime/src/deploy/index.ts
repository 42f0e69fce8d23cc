// Hot deployment: signed bundles, their stores, verification and loading into a worker on a running node.
export * from './bundleManifest.js';
export * from './bundleRejectedError.js';
export * from './bundleSignature.js';
export * from './verifyBundle.js';
export * from './bundleStore.js';
export * from './memoryBundleStore.js';
export * from './fileBundleStore.js';
export * from './bundleEnvelope.js';
export * from './bundleWorker.js';
export * from './workerFunction.js';
export * from './recordBundleVersions.js';
export * from './bundleDeployer.js';
