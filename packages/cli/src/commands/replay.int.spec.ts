// `lucent replay` as an operator runs it: the built bin against PostgreSQL (own schema) and a PGlite directory.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeciderCommandHandler, FunctionManager, type EventStore, type StreamReplay } from '@lucent/runtime';
import { createPgliteEventStore, createPostgresEventStore, lockDataDirectory } from '@lucent/postgres';
import { buildCli, lucent } from '../testing/runBuiltCli.js';
import { decideOrderV1, orderDecider, type OrderCommand } from './fixtures/replayOrders.js';

const url = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `lucent_replay_${randomBytes(5).toString('hex')}`;
const fixture = fileURLToPath(new URL('./fixtures/replayOrders.ts', import.meta.url));
const stream = 'order-r1';

/** Three commands through the real handler: a batch of two events, then two single fills. */
async function record(store: EventStore): Promise<void> {
  const handler = new DeciderCommandHandler({
    store,
    functions: new FunctionManager().register(decideOrderV1),
    decider: orderDecider,
    decision: decideOrderV1.name,
    streamOf: (c: OrderCommand) => `order-${c.id}`,
  });
  for (const amount of [3, 2, 5]) await handler.handle({ id: 'r1', amount });
}

describe('lucent replay', () => {
  let dataDir: string;

  beforeAll(async () => {
    await buildCli();
    const store = await createPostgresEventStore({ connectionString: url, schema });
    try {
      await record(store);
    } finally {
      await store.close();
    }
    dataDir = await mkdtemp(path.join(tmpdir(), 'lucent-replay-test-'));
    const embedded = await createPgliteEventStore({ dataDir: path.join(dataDir, 'db') });
    try {
      await record(embedded);
    } finally {
      await embedded.close();
    }
  }, 240_000);

  afterAll(async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  const pgArgs = (): string[] => ['--module', fixture, '--pg', url, '--schema', schema];

  it('exits 0 and prints every batch as same when the recorded version replays (PostgreSQL)', async () => {
    const r = await lucent(['replay', stream, ...pgArgs()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`stream ${stream}: 4 events in 3 batches, 3 same, 0 diverged, 0 not recorded`);
    expect(r.stdout).toMatch(/1-2\s+orders\.decide@1\.0\.0\s+same/);
  }, 60_000);

  it('exits 1 and names the diverging field when version 2.0.0 replays the history (PostgreSQL, --json)', async () => {
    const r = await lucent(['replay', stream, ...pgArgs(), '--version', '2.0.0', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as StreamReplay;
    expect(report).toMatchObject({ stream, events: 4, same: 0, diverged: 3 });
    const first = report.batches[0]!;
    expect(first).toMatchObject({ fromVersion: 1, toVersion: 2, status: 'diverged', recordedVersion: '1.0.0', replayedVersion: '2.0.0' });
    expect(first.difference?.path).toBe('1.data.price');
    expect(first.difference?.replayed).toBe((first.difference?.stored as number) + 1);
  }, 60_000);

  it('reads a PGlite data directory with --data-dir and prints the table', async () => {
    const same = await lucent(['replay', stream, '--module', fixture, '--data-dir', dataDir]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('3 same, 0 diverged');
    const diverged = await lucent(['replay', stream, '--module', fixture, '--data-dir', dataDir, '--version', '2.0.0']);
    expect(diverged.code, diverged.stderr).toBe(1);
    expect(diverged.stdout).toMatch(/1-2\s+orders\.decide@1\.0\.0\s+2\.0\.0\s+diverged\s+1\.data\.price: stored \d+, replayed \d+/);
  }, 120_000);

  it('exits 4 naming the holder while another process has the data directory, and reads it once that one is gone', async () => {
    const held = lockDataDirectory(path.join(dataDir, 'db'));
    try {
      const refused = await lucent(['replay', stream, '--module', fixture, '--data-dir', dataDir]);
      expect(refused.code, refused.stderr).toBe(4);
      expect(refused.stderr).toContain(`Data directory ${path.join(dataDir, 'db')} is in use by process ${process.pid} `);
    } finally {
      held.release();
    }
    expect((await lucent(['replay', stream, '--module', fixture, '--data-dir', dataDir])).code).toBe(0);
  }, 120_000);

  it('exits 3 for a stream with no events and 2 without a store', async () => {
    const missing = await lucent(['replay', 'order-nobody', ...pgArgs()]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no events in order-nobody');
    const noStore = await lucent(['replay', stream, '--module', fixture]);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toContain('--pg URL or --data-dir DIR');
  }, 60_000);
});
