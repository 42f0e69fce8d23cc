// The saga catalog reads what the runners wrote: counts by status, newest first with filters and a limit, what each saga is on, one saga's timeline; a bad query is refused before any read.
import { describe, expect, it } from 'vitest';
import { defineSaga, LucentError, type SagaReaction } from '@lucent/core';
import { checkSagaListQuery, SagaCatalog, type SagaListQuery } from './sagaCatalog.js';
import { SagaTestKit } from './sagaTestKit.js';

type OrderCommand = { type: 'Reserve'; item: string };
interface OrderInput {
  readonly item: string;
  /** Wait for a payment after reserving instead of completing. */
  readonly pay?: boolean;
}

const order = defineSaga<OrderInput, OrderInput, OrderCommand>({
  type: 'order',
  initialState: (input) => input,
  steps: { retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 } },
  react(state, event): SagaReaction<OrderInput, OrderCommand> {
    switch (event.type) {
      case 'SagaStarted':
        return { state, commands: [{ type: 'Reserve', item: state.item }] };
      case 'StepSucceeded':
        return state.pay === true ? { state, waits: [{ key: `paid:${state.item}`, timeoutMs: 60_000 }] } : { state, complete: true };
      case 'StepFailed':
        return { state, fail: event.data.error.message };
      default:
        return { state };
    }
  },
});

/** Three sagas a second apart: one completed, one refused its step, one waiting for a payment. */
async function threeOrders(): Promise<SagaTestKit> {
  const kit = new SagaTestKit({
    sagas: [order],
    handlers: {
      Reserve: (m) => {
        if ((m.command as OrderCommand).item === 'sold-out') throw new LucentError('CONFLICT', 'nothing left to reserve');
        return { reserved: true };
      },
    },
  });
  for (const [id, input] of [
    ['o1', { item: 'book' }],
    ['o2', { item: 'sold-out' }],
    ['o3', { item: 'lamp', pay: true }],
  ] as const) {
    await kit.start('order', input, id);
    await kit.settle();
    await kit.advance(1_000);
  }
  return kit;
}

const codeOf = (query: SagaListQuery): string => {
  try {
    checkSagaListQuery(query);
    return 'accepted';
  } catch (error) {
    return (error as LucentError).code;
  }
};

describe('SagaCatalog', () => {
  it('counts every saga by status, each status present, and lists them newest first with what each is on', async () => {
    const catalog = new SagaCatalog((await threeOrders()).events);
    const { counts, sagas } = await catalog.list();
    // A saga that gave up with nothing to undo ends compensated; `failed` is for a compensation that failed.
    expect(counts).toEqual({ running: 1, compensating: 0, completed: 1, compensated: 1, failed: 0 });
    expect(sagas.map((s) => [s.id, s.status, s.step])).toEqual([
      ['o3', 'running', 'wait paid:lamp'],
      ['o2', 'compensated', null],
      ['o1', 'completed', null],
    ]);
    expect(sagas[1]!.failure).toContain('nothing left to reserve');
    expect(sagas.every((s) => s.type === 'order' && s.runner === 'saga' && s.updatedAt >= s.startedAt)).toBe(true);
  });

  it('filters by status and type and keeps at most the limit, while the counts still cover every saga', async () => {
    const catalog = new SagaCatalog((await threeOrders()).events);
    expect((await catalog.list({ status: 'completed' })).sagas.map((s) => s.id)).toEqual(['o1']);
    expect((await catalog.list({ type: 'refund' })).sagas).toEqual([]);
    const limited = await catalog.list({ limit: 2 });
    expect(limited.sagas.map((s) => s.id)).toEqual(['o3', 'o2']);
    expect(limited.counts.completed).toBe(1);
  });

  it('shows one saga with its timeline, and nothing for an id no runner knows', async () => {
    const catalog = new SagaCatalog((await threeOrders()).events);
    const detail = await catalog.show('o1');
    expect(detail).toMatchObject({ id: 'o1', status: 'completed', runner: 'saga' });
    expect(detail!.timeline.map((e) => e.name)).toContain('Reserve');
    expect(await catalog.show('o9')).toBeUndefined();
  });

  it('finds nothing under a runner name that wrote nothing', async () => {
    const { counts, sagas } = await new SagaCatalog((await threeOrders()).events, ['payments']).list();
    expect(sagas).toEqual([]);
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
  });

  it('refuses an unknown status or a limit outside 1 to 1000 with VALIDATION_FAILED', () => {
    expect(codeOf({ status: 'paused' as never })).toBe('VALIDATION_FAILED');
    expect(codeOf({ limit: 0 })).toBe('VALIDATION_FAILED');
    expect(codeOf({ limit: 1_001 })).toBe('VALIDATION_FAILED');
    expect(codeOf({ limit: 2.5 })).toBe('VALIDATION_FAILED');
    expect(codeOf({ status: 'compensating', limit: 1_000 })).toBe('accepted');
  });
});
