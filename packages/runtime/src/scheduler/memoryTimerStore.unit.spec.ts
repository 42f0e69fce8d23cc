// The in-memory timer store passes the shared TimerStore contract.
import { MemoryTimerStore } from './memoryTimerStore.js';
import { timerStoreContract } from './timerStoreContract.js';

timerStoreContract('memory', () => Promise.resolve(new MemoryTimerStore()));
