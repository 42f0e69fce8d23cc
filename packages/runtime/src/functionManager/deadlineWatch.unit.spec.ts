// The shared deadline watch: calls on the manager's default budget still time out, and settled calls are let go.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, LucentError } from '@lucent/core';
import { FunctionManager } from './functionManager.js';
import { DeadlineWatch, type WatchedCall } from './deadlineWatch.js';

const hangs = defineFunction(
  { name: 'test.hangs', version: '1.0.0', input: z.object({}), output: z.object({}) },
  () => new Promise<Record<string, never>>(() => undefined),
);
const quick = defineFunction(
  { name: 'test.quick', version: '1.0.0', input: z.object({ x: z.number() }), output: z.object({ x: z.number() }) },
  async ({ x }) => ({ x }),
);

// A test double of an in-flight call whose `settled` the test flips, as the real call does internally.
function watched(expiresAt: number, budgetMs = 0): WatchedCall & { expired: number; settled: boolean } {
  return {
    expiresAt,
    budgetMs,
    settled: false,
    expired: 0,
    expire() {
      this.expired++;
      this.settled = true;
    },
  };
}

describe('DeadlineWatch', () => {
  it('rejects a never-settling async call on the default budget with DEADLINE_EXCEEDED', async () => {
    const fm = new FunctionManager({ defaultTimeoutMs: 30 }).register(hangs);
    const started = Date.now();
    const error = await fm.invoke('test.hangs', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LucentError);
    expect((error as LucentError).code).toBe('DEADLINE_EXCEEDED');
    // Generous margin for a loaded machine; the point is that it fires, not when to the millisecond.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('lets thousands of quick calls resolve with their own outputs while one hanging call still expires', async () => {
    const fm = new FunctionManager({ defaultTimeoutMs: 50 }).register(hangs, quick);
    const hanging = fm.invoke('test.hangs', {}).catch((e: unknown) => (e as LucentError).code);
    for (let i = 0; i < 5_000; i++) {
      const r = await fm.invoke('test.quick', { x: i });
      const { x } = r.output as { x: number };
      if (x !== i) throw new Error(`call ${i} returned ${x}`);
    }
    expect(await hanging).toBe('DEADLINE_EXCEEDED');
  });

  it('expires only unsettled calls, each once, and stamps a budget-only call from its next turn', async () => {
    const watch = new DeadlineWatch();
    const done = watched(Date.now() + 5);
    const late = watched(Date.now() + 5);
    const budgeted = watched(Number.NaN, 10);
    watch.watch(done);
    watch.watch(late);
    watch.watch(budgeted);
    (done as { settled: boolean }).settled = true;
    await new Promise((r) => setTimeout(r, 100));
    expect(done.expired).toBe(0);
    expect(late.expired).toBe(1);
    expect(budgeted.expired).toBe(1);
    expect(Number.isFinite(budgeted.expiresAt)).toBe(true);
  });
});
