// Command side over the in-memory store: decide through the FunctionManager, append with the expected version, retry races.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RuleViolationError, decisionFunction, type Decider, type DomainEvent } from '@lucent/core';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import type { StoredEvent } from '../eventStore/eventStore.js';
import { FunctionManager } from '../functionManager/functionManager.js';
import { CommandBus, QueryBus } from './commandBus.js';
import { DeciderCommandHandler } from './deciderCommandHandler.js';
import { EventBus } from './eventBus.js';

type Cmd = { account: string; amount: number };
type Ev = DomainEvent<'Deposited', { amount: number }> | DomainEvent<'Withdrawn', { amount: number }>;
const account: Decider<Cmd, Ev, { balance: number }> = {
  initialState: () => ({ balance: 0 }),
  evolve: (s, e) => ({ balance: e.type === 'Deposited' ? s.balance + e.data.amount : s.balance - e.data.amount }),
  decide: (c, s) => {
    if (c.amount >= 0) return [{ type: 'Deposited', data: { amount: c.amount } }];
    if (s.balance + c.amount < 0) throw new RuleViolationError('balance', `Balance ${s.balance} cannot cover ${-c.amount}`);
    return [{ type: 'Withdrawn', data: { amount: -c.amount } }];
  },
};
const Command = z.object({ account: z.string().min(1), amount: z.number().finite() });
const move = decisionFunction({ name: 'bank.move', version: '1.0.0', command: Command }, account);

function setup(maxAttempts = 8) {
  const store = new MemoryEventStore();
  const functions = new FunctionManager().register(move);
  const handler = new DeciderCommandHandler({
    store,
    functions,
    decider: account,
    decision: 'bank.move',
    streamOf: (c: Cmd) => `account-${c.account}`,
    retry: { maxAttempts, baseDelayMs: 1, maxDelayMs: 5 },
  });
  return { store, functions, handler };
}

describe('DeciderCommandHandler', () => {
  it('folds the stream, decides and appends the events with correlation metadata', async () => {
    const { store, handler } = setup();
    await handler.handle({ account: 'a', amount: 10 });
    const r = await handler.handle({ account: 'a', amount: -4 }, { correlationId: 'c-1', business: { userId: 'u-1' } });
    expect(r).toMatchObject({ stream: 'account-a', nextVersion: 2, duplicate: false, attempts: 1 });
    const events = await store.readStream('account-a');
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['Deposited', { amount: 10 }],
      ['Withdrawn', { amount: 4 }],
    ]);
    expect(events[1]?.metadata).toMatchObject({ correlationId: 'c-1', userId: 'u-1' });
  });

  it('refuses a malformed command with VALIDATION_FAILED and writes nothing', async () => {
    const { store, handler } = setup();
    await expect(handler.handle({ account: 'a', amount: 'lots' } as unknown as Cmd)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: 'command.amount' }],
    });
    await expect(handler.handle({} as Cmd)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await store.readAll()).toEqual([]);
  });

  it('passes a domain refusal through as RULE_VIOLATED and writes nothing', async () => {
    const { store, handler } = setup();
    await handler.handle({ account: 'a', amount: 3 });
    await expect(handler.handle({ account: 'a', amount: -5 })).rejects.toMatchObject({ code: 'RULE_VIOLATED' });
    expect(await store.streamVersion('account-a')).toBe(1);
  });

  it('refuses events that break the event contract with VALIDATION_FAILED and writes nothing', async () => {
    const store = new MemoryEventStore();
    const Event = z.object({ type: z.literal('Deposited'), data: z.object({ amount: z.number().positive() }) });
    const sloppy = decisionFunction({ name: 'bank.sloppy', version: '1.0.0', command: Command, event: Event }, {
      ...account,
      decide: (c: Cmd) => [{ type: 'Deposited', data: { amount: c.amount } }] as Ev[],
    });
    const handler = new DeciderCommandHandler({
      store,
      functions: new FunctionManager().register(sloppy),
      decider: account,
      decision: 'bank.sloppy',
      streamOf: (c: Cmd) => `account-${c.account}`,
    });
    await expect(handler.handle({ account: 'a', amount: -1 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      where: 'output',
      issues: [{ path: '0.data.amount' }],
    });
    expect(await store.readAll()).toEqual([]);
  });

  it('routes decide through the FunctionManager: a disabled decision is refused', async () => {
    const { functions, handler, store } = setup();
    functions.setEnabled('bank.move', false);
    await expect(handler.handle({ account: 'a', amount: 1 })).rejects.toMatchObject({ code: 'FUNCTION_DISABLED' });
    expect(await store.readAll()).toEqual([]);
  });

  it('retries the whole decision when a rival wins the race, so every concurrent command lands once', async () => {
    const { store, handler } = setup();
    const results = await Promise.all(Array.from({ length: 20 }, () => handler.handle({ account: 'hot', amount: 1 })));
    expect(await store.streamVersion('account-hot')).toBe(20);
    expect(results.some((r) => r.attempts > 1)).toBe(true);
  });

  it('re-decides on fresh state after a conflict: a withdrawal the rival made impossible is refused', async () => {
    const { store, handler } = setup();
    await handler.handle({ account: 'b', amount: 5 });
    const outcomes = await Promise.allSettled([
      handler.handle({ account: 'b', amount: -5 }),
      handler.handle({ account: 'b', amount: -5 }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'RULE_VIOLATED' });
    expect(await store.streamVersion('account-b')).toBe(2);
  });

  it('gives up with VERSION_CONFLICT after the bounded number of tries', async () => {
    const { handler } = setup(1);
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => handler.handle({ account: 'c', amount: 1 })));
    const failed = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(f.reason).toMatchObject({ code: 'VERSION_CONFLICT' });
  });

  it('returns the first result for a repeated idempotency key', async () => {
    const { store, handler } = setup();
    const first = await handler.handle({ account: 'd', amount: 2 }, { idempotencyKey: 'k-1' });
    const again = await handler.handle({ account: 'd', amount: 2 }, { idempotencyKey: 'k-1' });
    expect(again).toMatchObject({ duplicate: true, lastGlobalPosition: first.lastGlobalPosition });
    expect(await store.streamVersion('account-d')).toBe(1);
  });

  it('refuses a key repeated with another command or on another stream, writing nothing', async () => {
    const { store, handler } = setup();
    await handler.handle({ account: 'k', amount: 2 }, { idempotencyKey: 'k-2' });
    await expect(handler.handle({ account: 'k', amount: 3 }, { idempotencyKey: 'k-2' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { key: 'k-2', stream: 'account-k' },
    });
    await expect(handler.handle({ account: 'l', amount: 2 }, { idempotencyKey: 'k-2' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(await store.streamVersion('account-k')).toBe(1);
    expect(await store.streamVersion('account-l')).toBe(0);
  });
});

describe('buses', () => {
  it('dispatches commands and queries to their one handler, and names a missing one', async () => {
    type Commands = { deposit: { message: Cmd; result: number } };
    type Queries = { balance: { message: { account: string }; result: number } };
    const { store, handler } = setup();
    const commands = new CommandBus<Commands>().register('deposit', async (c) => (await handler.handle(c)).nextVersion);
    const queries = new QueryBus<Queries>().register('balance', async (q) => (await store.readStream(`account-${q.account}`)).length);
    expect(await commands.execute('deposit', { account: 'e', amount: 1 })).toBe(1);
    expect(await queries.ask('balance', { account: 'e' })).toBe(1);
    expect(() => commands.register('deposit', () => Promise.resolve(0))).toThrow(/already registered/);
    await expect((commands as unknown as CommandBus).execute('nope', {})).rejects.toMatchObject({ code: 'FUNCTION_NOT_FOUND' });
  });

  it('EventBus delivers stored events to typed handlers from a durable subscription', async () => {
    const { store, handler } = setup();
    const bus = new EventBus<Ev>();
    const seen: StoredEvent[] = [];
    bus.on('Withdrawn', (e) => void seen.push(e));
    await handler.handle({ account: 'f', amount: 5 });
    const r = await handler.handle({ account: 'f', amount: -2 });
    const sub = bus.connect(store, 'audit');
    await sub.waitFor(r.lastGlobalPosition);
    await sub.stop();
    expect(seen.map((e) => e.data)).toEqual([{ amount: 2 }]);
    expect(await store.loadCheckpoint('audit')).toBe(r.lastGlobalPosition);
  });
});
