// Where a single append's time goes: the raw INSERT, store.append, the append function called directly, and that
// function with one part at a time taken out; plus the round trips each store.append costs. A diagnostic, not a bench
// case: `node bench/dist/probes/appendParts.js [seconds]` (fsync on, as the bench; SYNC_COMMIT=off for CPU alone).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createPostgresEventStore, eventStoreMigrations } from '@lucent/postgres';

const url = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = Number(process.argv[2] ?? 20);
const syncCommit = process.env['SYNC_COMMIT'] ?? 'on';

const payload = JSON.stringify({ pair: 'ETH-USD', side: 'buy', qty: 1.25, priceUsd: 3012.5, account: 'acct-42' });
const metadata = JSON.stringify({ correlationId: 'bench-corr', userId: 'bench-user' });

/** Replace `pattern` in `source`, failing loudly when the function no longer has that part. */
function without(source: string, name: string, pattern: RegExp, replacement: string): string {
  const out = source.replace(pattern, replacement);
  if (out === source) throw new Error(`variant ${name} removed nothing: the append function changed shape`);
  return out;
}

async function main(): Promise<void> {
  const s = `lucent_probe_${randomUUID().slice(0, 8)}`;
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c synchronous_commit=${syncCommit}` });
  pool.on('error', () => undefined);
  // Every statement sent on the pool (a named statement once prepared is Bind/Execute/Sync: one round trip each).
  let statements = 0;
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      statements++;
      return query(...a);
    };
  });
  const store = await createPostgresEventStore({ pool, schema: s });
  // The same store with no notice to other processes (only its own subscribers woken): what the notice costs.
  const quiet = await createPostgresEventStore({ pool, schema: s });
  (quiet as unknown as { notifier: { send: () => Promise<void> } }).notifier.send = () => Promise.resolve();
  try {
    await pool.query(`CREATE TABLE ${s}.raw_events (global_position bigserial PRIMARY KEY, stream_id text NOT NULL,
      stream_version bigint NOT NULL, event_id uuid NOT NULL, type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, stream_version))`);
    const source = (await pool.query<{ d: string }>(`SELECT pg_get_functiondef('${s}.lucent_append_one'::regproc) AS d`)).rows[0]!.d;
    // The function as migration 7 left it (A/B against the current one), and the current one without its stream lock.
    const m7 = eventStoreMigrations.find((m) => m.version === 7)!.sql(s);
    const m7One = m7.slice(m7.indexOf(`CREATE OR REPLACE FUNCTION ${s}.lucent_append_one(`));
    await pool.query(m7One.replace(/\.lucent_append_one\(/, '.m7_append_one('));
    const variants: Record<string, string> = {
      no_stream_lock: without(source, 'no_stream_lock', /IF NOT pg_try_advisory_xact_lock\([\s\S]*?END IF;/, ''),
    };
    for (const [name, sql] of Object.entries(variants)) await pool.query(sql.replace(/\.lucent_append_one\(/, `.${name}(`));
    await pool.query(source.replace(/\.lucent_append_one\(/, `.sql_only(`));

    // Round trips per store.append, one in flight (the notice to other processes included).
    const before = statements;
    const count = 200;
    for (let i = 0; i < count; i++) await store.append('counted', [{ type: 'Traded', data: JSON.parse(payload) as unknown }]);
    await new Promise((r) => setTimeout(r, 50));
    const perAppend = (statements - before) / count;

    let rawVersion = 0;
    const variant = (name: string) => () =>
      pool.query({
        name,
        text: `SELECT ${s}.${name}($1, 'any', $2, $3, $4, $5, NULL)`,
        values: [name, randomUUID(), 'Traded', payload, metadata],
      });
    const sides: Record<string, () => Promise<unknown>> = {
      'raw INSERT': () =>
        pool.query({
          name: 'raw',
          text: `INSERT INTO ${s}.raw_events (stream_id, stream_version, event_id, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6)`,
          values: ['raw', ++rawVersion, randomUUID(), 'Traded', payload, metadata],
        }),
      'store.append': () => store.append('lucent', [{ type: 'Traded', data: JSON.parse(payload) as unknown, metadata: JSON.parse(metadata) as never }]),
      'store.append, no notice': () =>
        quiet.append('quiet', [{ type: 'Traded', data: JSON.parse(payload) as unknown, metadata: JSON.parse(metadata) as never }]),
      'append function (SQL only)': variant('sql_only'),
      '… no stream lock': variant('no_stream_lock'),
      'migration 7 function': variant('m7_append_one'),
      'a notice (NOTIFY, async commit)': () =>
        pool.query({ name: 'notice', text: "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')", values: [`probe_${s}`] }),
    };
    const samples = new Map(Object.keys(sides).map((k) => [k, [] as number[]]));
    // Windows of 400 ms in turn, as the bench alternates its sides; bounded by time and by count.
    const end = performance.now() + seconds * 1000;
    for (let round = 0; round < 1000 && performance.now() < end; round++) {
      for (const [name, op] of Object.entries(sides)) {
        const windowEnd = performance.now() + 400;
        for (let i = 0; i < 10_000 && performance.now() < windowEnd; i++) {
          const t = performance.now();
          await op();
          samples.get(name)!.push(performance.now() - t);
        }
      }
    }
    const p50 = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1] ?? Number.NaN;
    const base = p50(samples.get('raw INSERT')!);
    console.log(`synchronous_commit=${syncCommit}, ${seconds} s, p50 per single-event append`);
    console.log(`statements sent per store.append (one in flight, notices included): ${perAppend.toFixed(2)}`);
    for (const [name, v] of samples) {
      const m = p50(v);
      console.log(`${name.padEnd(32)} ${String(v.length).padStart(6)} calls  p50 ${(m * 1000).toFixed(0).padStart(5)} µs  ${(m / base).toFixed(2)}×`);
    }
  } finally {
    await pool.query(`DROP SCHEMA ${s} CASCADE`).catch(() => undefined);
    await Promise.all([store.close(), quiet.close()]);
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
