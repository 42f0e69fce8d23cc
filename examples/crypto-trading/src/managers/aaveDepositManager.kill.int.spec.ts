// The saga runner SIGKILLed after each step in turn and restarted: every deposit finishes or compensates, and no command or compensation takes effect twice.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleChildProcess } from '../../../../test/support/bundleForNode.js';
import { createFakeChainTables, type DepositSpec } from '../../fixtures/aaveDepositWorker.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const tag = randomBytes(4).toString('hex');
const PG_SCHEMA = `lucent_sagakill_${tag}`;
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const worker = fileURLToPath(new URL('../../fixtures/aaveDepositWorker.ts', import.meta.url));
// The worker is bundled once (workspace packages from source) so each of the seven runs starts in well under a second.
let bundle: Awaited<ReturnType<typeof bundleChildProcess>> | undefined;

// Confirmed deposits get a timeout longer than the whole test; stuck ones time out while the runs come and go.
const deposits: DepositSpec[] = [
  { id: 'dep-ok-1', account: 'ok-1', amount: 1_000, timeoutMs: 600_000 },
  { id: 'dep-ok-2', account: 'ok-2', amount: 2_000, timeoutMs: 600_000 },
  { id: 'dep-stuck-1', account: 'stuck-1', amount: 1_500, timeoutMs: 1_500 },
  { id: 'dep-stuck-2', account: 'stuck-2', amount: 2_500, timeoutMs: 1_500 },
  { id: 'dep-refuse-1', account: 'refuse-1', amount: 3_000, timeoutMs: 600_000 },
  { id: 'dep-refuse-2', account: 'refuse-2', amount: 3_500, timeoutMs: 600_000 },
];
const startingBalance = 10_000;

function runWorker(killAt: string | undefined, which: readonly DepositSpec[]): ReturnType<typeof spawnSync> {
  const r = spawnSync(process.execPath, [bundle!.file], {
    cwd: root,
    env: {
      ...process.env,
      LUCENT_SAGA_CHILD: '1',
      PG_URL,
      PG_SCHEMA,
      DEPOSITS: JSON.stringify(which),
      ...(killAt !== undefined && { KILL_AT: killAt }),
    },
    timeout: 90_000,
    encoding: 'utf8',
  });
  return r;
}

describe('saga runner killed after each step (child processes, PostgreSQL)', () => {
  let pool: pg.Pool;

  beforeAll(async () => {
    bundle = await bundleChildProcess(worker);
    pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    await createFakeChainTables(
      pool,
      PG_SCHEMA,
      deposits.map((d) => d.account),
      startingBalance,
    );
  });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
    await pool.end();
    bundle?.remove();
  });

  it('resumes from the event store alone after each kill, and every effect happens exactly once', async () => {
    // Each run dies at the first moment any deposit reaches its point; the next run resumes.
    const killPoints = [
      'executed:ReserveFunds',
      'executed:SubmitDeposit',
      'recorded:SubmitDeposit',
      'executed:RecordPosition',
      'executed:CancelOrder',
      'executed:ReleaseFunds',
    ];
    // The never-confirmed deposits join at the CancelOrder run, so their timeout cannot pass
    // (and their undo cannot run) before the runs that are meant to die earlier.
    const early = deposits.filter((d) => !d.account.startsWith('stuck-'));
    for (const point of killPoints) {
      const r = runWorker(point, point === 'executed:CancelOrder' || point === 'executed:ReleaseFunds' ? deposits : early);
      expect({ point, signal: r.signal, stderr: r.signal === 'SIGKILL' ? '' : String(r.stderr).slice(-2_000) }).toEqual({
        point,
        signal: 'SIGKILL',
        stderr: '',
      });
    }
    const last = runWorker(undefined, deposits);
    expect({ status: last.status, stderr: last.status === 0 ? '' : String(last.stderr).slice(-2_000) }).toEqual({ status: 0, stderr: '' });

    // Every saga finished: the deposits that got confirmations completed, the rest were undone.
    const s = PG_SCHEMA;
    const closed = await pool.query<{ data: { sagaId: string; status: string } }>(
      `SELECT data FROM ${s}.lucent_events WHERE stream_id = 'aave-deposit.index' AND type = 'SagaClosed'`,
    );
    const statuses = Object.fromEntries(closed.rows.map((r) => [r.data.sagaId, r.data.status]));
    expect(statuses).toEqual({
      'dep-ok-1': 'completed',
      'dep-ok-2': 'completed',
      'dep-stuck-1': 'compensated',
      'dep-stuck-2': 'compensated',
      'dep-refuse-1': 'compensated',
      'dep-refuse-2': 'compensated',
    });

    // Each (operation, idempotency key) took effect once, and each saga step has exactly one key.
    const effects = await pool.query<{ op: string; key: string; applied: string }>(
      `SELECT op, key, count(*) FILTER (WHERE applied) AS applied FROM ${s}.fake_calls GROUP BY op, key ORDER BY key`,
    );
    for (const row of effects.rows) expect({ ...row, applied: Number(row.applied) }).toEqual({ ...row, applied: 1 });
    const bySaga = new Map<string, string[]>();
    for (const row of effects.rows) {
      const sagaId = row.key.split(':')[1] as string;
      bySaga.set(sagaId, [...(bySaga.get(sagaId) ?? []), row.op].sort());
    }
    expect(Object.fromEntries(bySaga)).toEqual({
      'dep-ok-1': ['reserveFunds', 'submitDeposit'],
      'dep-ok-2': ['reserveFunds', 'submitDeposit'],
      'dep-stuck-1': ['cancelOrder', 'releaseFunds', 'reserveFunds', 'submitDeposit'],
      'dep-stuck-2': ['cancelOrder', 'releaseFunds', 'reserveFunds', 'submitDeposit'],
      'dep-refuse-1': ['releaseFunds', 'reserveFunds'],
      'dep-refuse-2': ['releaseFunds', 'reserveFunds'],
    });
    // The kills did make the runner deliver some commands again: the keys turned them into no-ops.
    const repeats = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${s}.fake_calls WHERE NOT applied`);
    expect(Number(repeats.rows[0]?.n)).toBeGreaterThan(0);

    // Money adds up: only completed deposits keep their funds reserved.
    const balances = await pool.query<{ account: string; balance: string }>(`SELECT account, balance FROM ${s}.fake_balances ORDER BY account`);
    const expected = Object.fromEntries(
      deposits.map((d) => [d.account, startingBalance - (d.account.startsWith('ok-') ? d.amount : 0)]),
    );
    expect(Object.fromEntries(balances.rows.map((r) => [r.account, Number(r.balance)]))).toEqual(expected);

    // The position was recorded once per completed deposit, under the saga's idempotency record.
    const positions = await pool.query<{ stream_id: string; n: string }>(
      `SELECT stream_id, count(*) AS n FROM ${s}.lucent_events WHERE type = 'AaveDepositRecorded' GROUP BY stream_id ORDER BY stream_id`,
    );
    expect(positions.rows.map((r) => [r.stream_id, Number(r.n)])).toEqual([
      ['aave-deposits-ok-1', 1],
      ['aave-deposits-ok-2', 1],
    ]);
    const keys = await pool.query<{ key: string }>(`SELECT key FROM ${s}.lucent_idempotency_keys WHERE key LIKE 'saga:%' ORDER BY key`);
    expect(keys.rows.map((r) => r.key)).toEqual(['saga:dep-ok-1:step:3', 'saga:dep-ok-2:step:3']);
  }, 240_000);
});
