// The embedded PGlite timer store passes the shared TimerStore contract (same SQL as the server).
import { timerStoreContract } from '../../../runtime/src/scheduler/timerStoreContract.js';
import { createPgliteTimerStore } from './sqlTimerStore.js';

timerStoreContract('pglite', () => createPgliteTimerStore());
