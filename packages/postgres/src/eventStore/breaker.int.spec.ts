// The `postgres` breaker against a real server that stops: it opens after the threshold, calls then fail fast without
// touching the pool, and once the server is back a half-open probe closes it (what app.ts wires around the event store).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resilience, resilientEventStore, type CircuitTransition, type EventStore } from '@lucent/runtime';
import { PrivatePostgres } from '../testing/privatePostgres.js';
import { createPostgresEventStore, type SqlEventStore } from './sqlEventStore.js';

/** The outcome and how long the call took. */
async function timed(call: () => Promise<unknown>): Promise<{ ms: number; code: string }> {
  const started = performance.now();
  const code = await call().then(
    () => 'ok',
    (error: { code?: string }) => error.code ?? String(error),
  );
  return { ms: performance.now() - started, code };
}

describe('the postgres breaker around a PostgreSQL server that stops and returns', () => {
  let server: PrivatePostgres;
  let store: SqlEventStore;

  beforeAll(async () => {
    server = await PrivatePostgres.create();
    store = await createPostgresEventStore({ connectionString: server.url, schema: 'breaker', connectTimeoutMs: 1_000 });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await server?.destroy();
  });

  it('opens after 3 failures in a row, fails fast while open, and closes through a half-open probe once the server is back', async () => {
    const resilience = new Resilience({
      dependencies: { 'postgres.write': { timeoutMs: 3_000, circuit: { consecutiveFailures: 3, failureRate: false, halfOpenAfterMs: 1_000 } } },
    });
    const transitions: CircuitTransition[] = [];
    resilience.onTransition((t) => transitions.push(t));
    // Count what reaches the real store: an open circuit must not.
    let reached = 0;
    const counted: EventStore = {
      append: (...args) => (reached++, store.append(...args)),
      readStream: (...args) => store.readStream(...args),
      readAll: (...args) => store.readAll(...args),
      streamVersion: (...args) => store.streamVersion(...args),
      subscribe: (...args) => store.subscribe(...args),
      loadCheckpoint: (...args) => store.loadCheckpoint(...args),
      saveCheckpoint: (...args) => store.saveCheckpoint(...args),
      close: () => store.close(),
    };
    const events = resilientEventStore(counted, resilience, 'postgres');
    const append = (n: number) => events.append(`acct-${n}`, [{ type: 'Deposited', data: { n } }]);

    expect((await timed(() => append(0))).code).toBe('ok');
    await server.stop();

    // Each failure is PostgreSQL's own refusal (the store's UNAVAILABLE), until the third opens the circuit.
    const failures = [];
    for (let n = 1; n <= 3; n++) failures.push(await timed(() => append(n)));
    expect(failures.map((f) => f.code)).toEqual(['UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE']);
    expect(resilience.dependency('postgres.write').state).toBe('open');
    expect(reached).toBe(4);

    // Open: refused at once with the breaker's reason, the store untouched.
    const fast = [];
    for (let n = 4; n < 24; n++) fast.push(await timed(() => append(n)));
    expect(new Set(fast.map((f) => f.code))).toEqual(new Set(['UNAVAILABLE']));
    await expect(append(99)).rejects.toMatchObject({ details: { dependency: 'postgres.write', reason: 'circuit-open' } });
    expect(reached).toBe(4);
    expect(Math.max(...fast.map((f) => f.ms))).toBeLessThan(50);

    await server.start();
    // After halfOpenAfterMs one probe goes through; a healthy answer closes the circuit. The pool may hand the
    // probe a connection that died with the old server, so a failed probe re-opens and the next one is tried.
    const closedBy = Date.now() + 20_000;
    let last = await timed(() => append(100));
    while (last.code !== 'ok' && Date.now() < closedBy) {
      await new Promise((r) => setTimeout(r, 250));
      last = await timed(() => append(100));
    }
    expect(last.code).toBe('ok');
    expect(resilience.dependency('postgres.write').state).toBe('closed');
    expect(transitions.map((t) => t.to)).toEqual(expect.arrayContaining(['open', 'half-open', 'closed']));
    expect(transitions.at(-1)).toMatchObject({ dependency: 'postgres.write', from: 'half-open', to: 'closed' });
    expect((await store.readStream('acct-100')).map((e) => e.data)).toEqual([{ n: 100 }]);
    expect(await store.readStream('acct-5')).toEqual([]);
  }, 90_000);
});
