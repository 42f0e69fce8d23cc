// A KV watch that falls behind its bucket without an error (its consumer lived on a server that died) is noticed and ended, so it is re-opened.
import type { NatsConnection } from 'nats';

export interface StallCheck {
  stop(): void;
}

/**
 * Every `periodMs`, compare the bucket's last revision with the last one the watch delivered. A watch
 * found behind twice in a row on the same head has stalled: `onStall` ends it (the caller re-opens it
 * from where it was). Why: a KV watch is an ordered consumer on one server; when that server dies while
 * this client stays connected to another, nats.js only notices once the consumer's heartbeats (every
 * 5 s) have been missed, and on the scale topology changes then reached such a node 9–17 s late.
 * One stream-info request per period, given about the period to answer (while the stream elects a new
 * leader it may not answer at all; a request waiting the default 5 s would hold the next checks back).
 */
export function checkForStall(connection: NatsConnection, stream: string, delivered: () => number, periodMs: number, onStall: () => void): StallCheck {
  // One manager for every check, without the account check each new one makes: that asks the cluster's
  // meta leader, which is being re-elected exactly when the server that died held it.
  const manager = connection.jetstreamManager({ timeout: Math.max(periodMs, 500), checkAPI: false });
  let behindOn: number | undefined;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    manager
      .then((jsm) => jsm.streams.info(stream))
      .then((info) => {
        const head = info.state.last_seq;
        if (delivered() >= head) {
          behindOn = undefined;
        } else if (behindOn !== undefined && delivered() < behindOn) {
          behindOn = undefined;
          onStall();
        } else {
          behindOn = head;
        }
      })
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, periodMs);
  // A registry watch must never be what keeps a process alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
