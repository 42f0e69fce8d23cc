import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, initialRules, jurisdictionAllowed, LucentError } from '@lucent/core';
import { FunctionManager } from './functionManager.js';

const double = defineFunction(
  { name: 'math.double', version: '1.0.0', input: z.object({ x: z.number() }), output: z.object({ y: z.number() }) },
  ({ x }, ctx) => {
    ctx.emit({ type: 'Doubled', data: { x } });
    return { y: x * 2 };
  },
);

const boom = defineFunction(
  { name: 'math.boom', version: '1.0.0', input: z.object({}), output: z.object({}) },
  () => {
    throw new Error('kaboom');
  },
);

const slow = defineFunction(
  { name: 'math.slow', version: '1.0.0', input: z.object({}), output: z.object({}), timeoutMs: 20 },
  () => new Promise<Record<string, never>>((resolve) => setTimeout(() => resolve({}), 200)),
);

const badOutput = defineFunction(
  { name: 'math.badOutput', version: '1.0.0', input: z.object({}), output: z.object({ y: z.number() }) },
  () => ({ y: 'nope' }) as unknown as { y: number },
);

const geo = defineFunction(
  { name: 'math.geo', version: '1.0.0', input: z.object({}), output: z.object({}), jurisdictions: { deny: ['US'] } },
  () => ({}),
);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (error) {
    expect(error).toBeInstanceOf(LucentError);
    return (error as LucentError).code;
  }
}

describe('FunctionManager (in-process)', () => {
  const fm = new FunctionManager({ clock: () => 1_000 }).register(double, boom, slow, badOutput, geo);

  it('returns the output and the events the function emitted', async () => {
    await expect(fm.invoke('math.double', { x: 21 })).resolves.toEqual({
      output: { y: 42 },
      events: [{ type: 'Doubled', data: { x: 21 } }],
    });
  });

  it('rejects bad input with VALIDATION_FAILED naming the field', async () => {
    const error = await fm.invoke('math.double', { x: 'two' }).catch((e: unknown) => e as LucentError);
    expect((error as LucentError).code).toBe('VALIDATION_FAILED');
    expect((error as LucentError).message).toContain('x');
    expect((error as LucentError).details?.['issues']).toEqual([{ path: 'x', message: expect.any(String) }]);
  });

  it('rejects an output that breaks the contract', async () => {
    expect(await codeOf(fm.invoke('math.badOutput', {}))).toBe('VALIDATION_FAILED');
  });

  it('turns a thrown error into FUNCTION_FAILED without crashing', async () => {
    expect(await codeOf(fm.invoke('math.boom', {}))).toBe('FUNCTION_FAILED');
    expect(await codeOf(fm.invoke('math.double', { x: 1 }))).toBe('resolved');
  });

  it('knows unknown names and versions', async () => {
    expect(await codeOf(fm.invoke('math.nothing', {}))).toBe('FUNCTION_NOT_FOUND');
    expect(await codeOf(fm.invoke('math.double', { x: 1 }, { version: '9.9.9' }))).toBe('FUNCTION_NOT_FOUND');
  });

  it('refuses a disabled function until it is enabled again', async () => {
    fm.setEnabled('math.double', false);
    expect(await codeOf(fm.invoke('math.double', { x: 1 }))).toBe('FUNCTION_DISABLED');
    fm.setEnabled('math.double', true);
    expect(await codeOf(fm.invoke('math.double', { x: 1 }))).toBe('resolved');
  });

  it('enforces the deadline of an asynchronous function', async () => {
    const real = new FunctionManager().register(slow);
    const started = Date.now();
    expect(await codeOf(real.invoke('math.slow', {}))).toBe('DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(150);
  });

  it('hands a replayed clock reading to the function but times the call on its own clock', async () => {
    const waits = defineFunction(
      { name: 'math.waits', version: '1.0.0', input: z.object({}), output: z.object({ at: z.number() }) },
      (_input, ctx) => new Promise<{ at: number }>((resolve) => setTimeout(() => resolve({ at: ctx.now() }), 60)),
    );
    // A recorded reading from 1970: the function sees it, and the 5 s budget still runs from now.
    const r = await new FunctionManager().register(waits).invoke('math.waits', {}, { now: 42, timeoutMs: 5_000 });
    expect(r.output).toEqual({ at: 42 });
  });

  it('refuses a call whose deadline has already passed', async () => {
    expect(await codeOf(fm.invoke('math.double', { x: 1 }, { deadline: 999 }))).toBe('DEADLINE_EXCEEDED');
  });

  it('applies jurisdiction rules from the call context', async () => {
    expect(await codeOf(fm.invoke('math.geo', {}, { business: { jurisdiction: 'US' } }))).toBe('JURISDICTION_DENIED');
    expect(await codeOf(fm.invoke('math.geo', {}, { business: { jurisdiction: 'DE' } }))).toBe('resolved');
  });

  it('runs a chosen version and switches the active one', async () => {
    const v2 = defineFunction(
      { name: 'math.double', version: '2.0.0', input: z.object({ x: z.number() }), output: z.object({ y: z.number() }) },
      ({ x }) => ({ y: x + x + 0 }),
    );
    const m = new FunctionManager().register(double, v2);
    expect(m.lookup('math.double').version).toBe('1.0.0');
    expect(m.lookup('math.double', '2.0.0')).toBe(v2);
    m.activate('math.double', '2.0.0');
    expect(m.lookup('math.double').version).toBe('2.0.0');
    expect(m.list()).toEqual([{ name: 'math.double', activeVersion: '2.0.0', versions: ['1.0.0', '2.0.0'], enabled: true }]);
  });
});

describe('FunctionManager jurisdictions', () => {
  const fenced = (jurisdictions: { allow?: string[]; deny?: string[] }) =>
    defineFunction({ name: 'geo.fenced', version: '1.0.0', input: z.object({}), output: z.object({}), jurisdictions }, () => ({}));
  const fp = { input: 'sha256:i', output: 'sha256:o' };

  it('decides a function\'s own rules and the registry\'s rules alike, `allow: []` restricting nothing', async () => {
    const cases: [{ allow?: string[]; deny?: string[] }, string | undefined][] = [
      [{ allow: [] }, 'US'],
      [{ allow: [] }, undefined],
      [{ allow: ['DE'] }, undefined],
      [{ allow: ['DE'] }, ' de'],
      [{ deny: ['us'] }, 'US'],
      [{ allow: ['FR'], deny: ['FR'] }, 'FR'],
    ];
    for (const [rules, jurisdiction] of cases) {
      const byMeta = new FunctionManager().register(fenced(rules));
      const byRegistry = new FunctionManager().register(fenced({}));
      byRegistry.applyRules('geo.fenced', {
        ...initialRules('geo.fenced', { version: '1.0.0', fingerprint: fp }),
        jurisdictions: rules,
      });
      const business = jurisdiction === undefined ? {} : { jurisdiction };
      const meta = await codeOf(byMeta.invoke('geo.fenced', {}, { business }));
      const registry = await codeOf(byRegistry.invoke('geo.fenced', {}, { business }));
      expect(meta, JSON.stringify([rules, jurisdiction])).toBe(registry);
      expect(meta).toBe(jurisdictionAllowed(rules, jurisdiction) ? 'resolved' : 'JURISDICTION_DENIED');
    }
  });
});

describe('FunctionManager as an Invoker', () => {
  const where = defineFunction(
    { name: 'geo.where', version: '1.2.0', input: z.object({}), output: z.object({ id: z.string(), load: z.number(), peers: z.array(z.string()) }) },
    (_, ctx) => ({ id: ctx.shard.id, load: ctx.shard.load, peers: [...ctx.shard.peers] }),
  );

  it('tells `placed` where and which version ran, after success only', async () => {
    const fm = new FunctionManager().register(double, boom);
    const seen: unknown[] = [];
    await fm.invoke('math.double', { x: 1 }, { placed: (p) => seen.push(p) });
    expect(await codeOf(fm.invoke('math.boom', {}, { placed: (p) => seen.push(p) }))).toBe('FUNCTION_FAILED');
    expect(seen).toEqual([{ shard: 'local', version: '1.0.0' }]);
  });

  it('names its shard in `placed` and hands functions a live shard view, read only when a function reads it', async () => {
    let reads = 0;
    const fm = new FunctionManager({ shard: () => ({ id: 'shard-a', load: 0.25 + reads++, peers: ['shard-b'] }) }).register(where, double);
    const seen: unknown[] = [];
    await fm.invoke('math.double', { x: 1 }, { placed: (p) => seen.push(p) });
    const readsBefore = reads;
    const { output } = await fm.invoke('geo.where', {});
    expect(seen).toEqual([{ shard: 'shard-a', version: '1.0.0' }]);
    expect(reads).toBe(readsBefore + 1);
    expect(output).toEqual({ id: 'shard-a', load: 0.25 + readsBefore, peers: ['shard-b'] });
  });

  it('keeps the call a success when a `placed` listener throws', async () => {
    const fm = new FunctionManager().register(double);
    const r = await fm.invoke('math.double', { x: 2 }, { placed: () => { throw new Error('bad listener'); } });
    expect(r.output).toEqual({ y: 4 });
  });
});
