// `lucent sagas list --state failed` and `lucent sagas show ID` as an operator runs them: the built bin against PostgreSQL (own schema).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSaga, LucentError, type SagaReaction } from '@lucent/core';
import { MemoryTimerStore, SagaRunner, SagaScheduling, Scheduler } from '@lucent/runtime';
import { createPostgresEventStore } from '@lucent/postgres';
import { buildCli, lucent } from '../testing/runBuiltCli.js';

const url = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `lucent_sagas_${randomBytes(5).toString('hex')}`;

type Command = { type: 'Stake'; id: string } | { type: 'Confirm'; id: string } | { type: 'Unstake'; id: string };

/** Stake, then confirm; a refused confirm unstakes. */
const staking = defineSaga<{ id: string }, { id: string }, Command>({
  type: 'staking',
  initialState: (input) => ({ id: input.id }),
  react(state, event): SagaReaction<{ id: string }, Command> {
    if (event.type === 'SagaStarted') return { state, commands: [{ type: 'Stake', id: state.id }] };
    if (event.type === 'StepSucceeded' && event.data.command.type === 'Stake') {
      return { state, commands: [{ type: 'Confirm', id: state.id }], compensations: [{ type: 'Unstake', id: state.id }] };
    }
    if (event.type === 'StepSucceeded') return { state, complete: true };
    if (event.type === 'StepFailed') return { state, fail: `${event.data.command.type}: ${event.data.error.message}` };
    return { state };
  },
});

describe('lucent sagas', () => {
  beforeAll(async () => {
    await buildCli();
    const store = await createPostgresEventStore({ connectionString: url, schema });
    const runner = new SagaRunner({
      store,
      name: 'staking',
      sagas: [staking],
      scheduling: new SagaScheduling(new Scheduler({ store: new MemoryTimerStore() }), 'staking'),
      // s-stuck: the confirm is refused and the unstake is refused too, so the saga parks as failed.
      commands: async (m) => {
        if (m.sagaId === 's-stuck' && m.command.type === 'Confirm') throw new LucentError('RULE_VIOLATED', 'confirmation refused');
        if (m.command.type === 'Unstake') throw new LucentError('FORBIDDEN', 'validator locked');
        return { ok: true };
      },
    });
    try {
      await runner.start('staking', { id: 's-ok' }, { id: 's-ok' });
      await runner.start('staking', { id: 's-stuck' }, { id: 's-stuck' });
      await runner.idle();
      expect((await runner.get('s-stuck')).status).toBe('failed');
    } finally {
      await runner.close();
      await store.close();
    }
  }, 240_000);

  afterAll(async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  const where = ['--runner', 'staking', '--pg', url, '--schema', schema];

  it('lists the failed saga with its reason, and counts every state', async () => {
    const r = await lucent(['sagas', 'list', '--state', 'failed', ...where]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('running 0, compensating 0, completed 1, compensated 0, failed 1');
    expect(lines.slice(2).join('\n')).toMatch(/s-stuck +staking +failed .*Confirm: confirmation refused; compensation 0 gave up: validator locked/);
    expect(r.stdout).not.toContain('s-ok');
    const json = JSON.parse((await lucent(['sagas', 'list', '--json', ...where])).stdout) as { sagas: { id: string; status: string }[] };
    expect(json.sagas.map((s) => [s.id, s.status])).toEqual([
      ['s-stuck', 'failed'],
      ['s-ok', 'completed'],
    ]);
  });

  it('shows one saga\'s timeline through the compensation that gave up', async () => {
    const r = await lucent(['sagas', 'show', 's-stuck', '--json', ...where]);
    expect(r.code, r.stderr).toBe(0);
    const saga = JSON.parse(r.stdout) as { status: string; timeline: { kind: string; name: string }[] };
    expect(saga.status).toBe('failed');
    expect(saga.timeline.map((e) => `${e.kind} ${e.name}`)).toEqual(['started staking', 'step Stake', 'step Confirm', 'failed Unstake']);
    const text = await lucent(['sagas', 'show', 's-stuck', ...where]);
    expect(text.stdout).toMatch(/^saga s-stuck \(staking, runner staking\): failed/);
    expect(text.stdout).toMatch(/failed +Unstake .*FORBIDDEN: validator locked/);
  });

  it('exits 1 for an unknown id and 2 for a bad state, naming it', async () => {
    expect((await lucent(['sagas', 'show', 'nobody', ...where])).code).toBe(1);
    const bad = await lucent(['sagas', 'list', '--state', 'stuck', ...where]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--state must be one of running, compensating, completed, compensated, failed');
  });
});
