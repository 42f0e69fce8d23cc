// View reads: a lone read is one GET at once; reads asked while one is in flight leave as one MGET, and a failed MGET fails each of its reads.
import { describe, expect, it } from 'vitest';
import { ViewGets, type ViewGetsRunner } from './viewGets.js';

/** A runner whose answers the test releases by hand, recording what was sent. */
function heldRunner(values: Record<string, string>) {
  const sent: string[][] = [];
  const pending: { release: () => void; fail: (e: Error) => void }[] = [];
  const hold = <T>(keys: string[], answer: () => T): Promise<T> => {
    sent.push(keys);
    return new Promise<T>((resolve, reject) => pending.push({ release: () => resolve(answer()), fail: reject }));
  };
  const runner: ViewGetsRunner = {
    one: (key) => hold([key], () => values[key] ?? null),
    many: (keys) => hold([...keys], () => keys.map((k) => values[k] ?? null)),
  };
  return { runner, sent, next: () => pending.shift() as { release: () => void; fail: (e: Error) => void } };
}

describe('ViewGets', () => {
  it('sends a lone read at once as a GET, and the reads that arrive meanwhile as one MGET when it answers', async () => {
    const { runner, sent, next } = heldRunner({ a: '1', b: '2', c: '3' });
    const gets = new ViewGets(runner);
    const first = gets.get('a');
    const rest = [gets.get('b'), gets.get('missing'), gets.get('c')];
    expect(sent).toEqual([['a']]);
    next().release();
    expect(await first).toBe('1');
    expect(sent).toEqual([['a'], ['b', 'missing', 'c']]);
    next().release();
    expect(await Promise.all(rest)).toEqual(['2', null, '3']);
    expect({ batches: gets.batches, batched: gets.batched }).toEqual({ batches: 1, batched: 3 });
    // Nothing in flight again: the next read goes alone at once.
    const later = gets.get('b');
    expect(sent.at(-1)).toEqual(['b']);
    next().release();
    expect(await later).toBe('2');
  });

  it('fails every read of a failed MGET with its error, and keeps serving after it', async () => {
    const { runner, next } = heldRunner({ a: '1' });
    const gets = new ViewGets(runner);
    const first = gets.get('a');
    const batch = [gets.get('a'), gets.get('b')];
    next().release();
    await first;
    next().fail(new Error('connection lost'));
    for (const r of await Promise.allSettled(batch)) expect(r).toMatchObject({ status: 'rejected', reason: { message: 'connection lost' } });
    const after = gets.get('a');
    next().release();
    expect(await after).toBe('1');
  });

  it('splits a long queue into MGETs of maxBatch keys', async () => {
    const { runner, sent, next } = heldRunner({});
    const gets = new ViewGets(runner, { maxBatch: 2 });
    const all = [gets.get('a'), gets.get('b'), gets.get('c'), gets.get('d')];
    for (let i = 0; i < 3; i++) {
      next().release();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(all);
    expect(sent).toEqual([['a'], ['b', 'c'], ['d']]);
  });
});
