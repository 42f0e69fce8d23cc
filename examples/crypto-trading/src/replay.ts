// What `lucent replay` needs to run this service's recorded position decisions again:
//   lucent replay position-42 --module src/replay.ts --data-dir .lucent-data
// `functions` must hold every version that may appear in the log.
import { decidePosition, positionDecider } from './domain/positions/positionDecider.js';

export const replay = { functions: [decidePosition], decider: positionDecider };
