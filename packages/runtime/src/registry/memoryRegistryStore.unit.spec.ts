// The in-memory registry store passes the shared registry store contract.
import { MemoryRegistryStore } from './memoryRegistryStore.js';
import { registryStoreContract } from './registryStoreContract.js';

registryStoreContract('memory', () => Promise.resolve(new MemoryRegistryStore()));
