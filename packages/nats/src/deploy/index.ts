// Hot deployment over NATS: the JetStream Object Store bundle store.
export * from './natsBundleStore.js';
export * from './bundleStatus.js';
