// A handler's promise raced against a deadline, so a hung handler frees its slot (it cannot be killed; its late result is dropped).
import { LucentError } from '@lucent/core';

/**
 * `work`'s result, or DEADLINE_EXCEEDED after `timeoutMs` of real time. The work keeps running
 * (JavaScript cannot stop a promise); whatever it settles to later is ignored. The timer is
 * unref'd and cleared when the work settles first.
 */
export async function withTimeout<T>(work: PromiseLike<T> | T, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LucentError('DEADLINE_EXCEEDED', `${what} did not finish within ${timeoutMs} ms`, { timeoutMs })), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
