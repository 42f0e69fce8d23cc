// Follow one NATS KV key on a node for as long as it runs: the stored value, then every later one, with the watch re-opened whenever it ends.
import { ErrorCode, KvWatchInclude, NatsError, type KV, type KvEntry, type QueuedIterator } from 'nats';
import type { Logger } from '@lucent/core';

export interface KvKeyFollowOptions {
  /** What is followed, for log lines ("chaos document", "rate limits"). */
  readonly what: string;
  readonly logger?: Logger;
  /** Pause before re-opening a watch that ended, and between failed re-opens (default 500 ms). */
  readonly rewatchDelayMs?: number;
}

export interface KvKeyFollower {
  /** Stop following: the current watch ends and none is re-opened. */
  stop(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Open a watch on `key` and resolve once the stored value (if any) went to `apply`. After that the
 * watch runs on its own: when it ends without `stop` — its consumer could not be re-created while a
 * NATS server died, the bucket's stream was re-elected or removed — the failure is logged and the
 * watch re-opened from the last revision applied, until it opens again. A watch that ended used to
 * leave the node following nothing, and its error, thrown in a loop nobody awaited, ended the process.
 * Following ends with `stop` or when the connection is closed. `apply` sees each revision once, in
 * order; what it throws is logged and following goes on.
 */
export async function followKvKey(kv: KV, key: string, apply: (entry: KvEntry) => void, options: KvKeyFollowOptions): Promise<KvKeyFollower> {
  const delay = options.rewatchDelayMs ?? 500;
  let last = 0;
  let stopped = false;
  let initialised: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (initialised = resolve));
  const open = (): Promise<QueuedIterator<KvEntry>> =>
    kv.watch(last === 0 ? { key, include: KvWatchInclude.LastValue, initializedFn: () => initialised() } : { key, resumeFromRevision: last + 1 });
  let iter = await open();
  const consume = async (): Promise<void> => {
    for (;;) {
      try {
        for await (const entry of iter) {
          if (entry.revision <= last) continue;
          last = entry.revision;
          try {
            apply(entry);
          } catch (error) {
            options.logger?.error(`${options.what}: applying revision ${entry.revision} failed`, { error: String(error) });
          }
        }
      } catch (error) {
        options.logger?.warn(`${options.what} watch failed; re-opening it`, { error: String(error), revision: last });
      }
      if (stopped) return;
      for (;;) {
        await sleep(delay);
        if (stopped) return;
        try {
          iter = await open();
          options.logger?.info(`${options.what} watch re-opened`, { revision: last });
          break;
        } catch (error) {
          // The connection was closed by its owner: following ends with it.
          if (error instanceof NatsError && error.code === ErrorCode.ConnectionClosed) return;
          options.logger?.warn(`${options.what} watch could not be re-opened; trying again`, { error: String(error), revision: last });
        }
      }
    }
  };
  void consume();
  await ready;
  return {
    stop: () => {
      stopped = true;
      iter.stop();
    },
  };
}
