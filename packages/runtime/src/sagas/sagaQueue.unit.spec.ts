// The per-saga queue: one saga's work runs in order, a failure does not stop the next piece, different sagas run side by side.
import { describe, expect, it } from 'vitest';
import { SagaQueues } from './sagaQueue.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('SagaQueues', () => {
  it("runs one saga's work in the order it was queued, even when an earlier piece fails", async () => {
    const queues = new SagaQueues();
    const order: string[] = [];
    const slow = queues.enqueue('s1', async () => {
      await tick();
      await tick();
      order.push('a');
      throw new Error('boom');
    });
    const next = queues.enqueue('s1', async () => {
      order.push('b');
      return 2;
    });
    await expect(slow).rejects.toThrow('boom');
    expect(await next).toBe(2);
    expect(order).toEqual(['a', 'b']);
  });

  it('does not make one saga wait for another', async () => {
    const queues = new SagaQueues();
    let release!: () => void;
    const blocked = queues.enqueue('s1', () => new Promise<void>((r) => (release = r)));
    expect(await queues.enqueue('s2', async () => 'free')).toBe('free');
    expect(queues.busy).toBe(true);
    release();
    await blocked;
  });

  it('is idle only once everything queued, including work queued meanwhile, has settled', async () => {
    const queues = new SagaQueues();
    const done: string[] = [];
    void queues.enqueue('s1', async () => {
      await tick();
      done.push('first');
      void queues.enqueue('s2', async () => {
        await tick();
        done.push('queued meanwhile');
      });
    });
    await queues.idle();
    expect(done).toEqual(['first', 'queued meanwhile']);
    expect(queues.busy).toBe(false);
  });
});
