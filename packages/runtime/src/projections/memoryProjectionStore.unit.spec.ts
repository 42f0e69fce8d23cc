// The in-memory projection store passes the shared contract suite.
import { MemoryProjectionStore } from './memoryProjectionStore.js';
import { projectionStoreContract } from './projectionStoreContract.js';

projectionStoreContract('memory', () => Promise.resolve(new MemoryProjectionStore()));
