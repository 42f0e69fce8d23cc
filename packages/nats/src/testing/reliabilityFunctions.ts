// Test fixture: functions the reliability tests run on shard processes — one that takes a set time, one that never ends.
import { defineFunction, functionMap } from '@lucent/core';
import { z } from 'zod';

/**
 * Takes `ms` without holding the CPU, standing in for a function whose cost is fixed; three shard
 * processes busy-looping on a shared two-core machine would measure the machine, not the router.
 */
export const work = defineFunction(
  {
    name: 'test.work',
    version: '1.0.0',
    input: z.object({ n: z.number().int(), ms: z.number().min(0).max(1_000) }),
    output: z.object({ n: z.number().int(), shard: z.string() }),
  },
  async (input, ctx) => {
    await new Promise((r) => setTimeout(r, input.ms));
    return { n: input.n, shard: ctx.shard.id };
  },
);

/** Never returns when `forever` is set: only a worker pool that terminates it at the deadline saves the shard. */
export const spin = defineFunction(
  {
    name: 'test.spin',
    version: '1.0.0',
    heavy: true,
    input: z.object({ forever: z.boolean() }),
    output: z.object({ spun: z.number() }),
  },
  (input) => {
    let spun = 0;
    while (input.forever || spun < 1_000) spun++;
    return { spun };
  },
);

export const functions = functionMap(work, spin);
