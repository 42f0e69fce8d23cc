// The in-memory event store passes the shared contract suite.
import { MemoryEventStore } from './memoryEventStore.js';
import { eventStoreContract } from './eventStoreContract.js';

eventStoreContract('memory', () => Promise.resolve(new MemoryEventStore()));
