// Where a single append's time goes: the raw INSERT, the same INSERT inside a PL/pgSQL function,
// Lucent's single-event append function (lucent_append_one), and that function with one part at a time taken out. A diagnostic,
// not a bench case: run `node bench/dist/probes/appendParts.js [seconds]` (fsync on, as the bench).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createPostgresEventStore } from '@lucent/postgres';

const url = process.env['LUCENT_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = Number(process.argv[2] ?? 20);
const syncCommit = process.env['SYNC_COMMIT'] ?? 'on';

const payload = JSON.stringify({ pair: 'ETH-USD', side: 'buy', qty: 1.25, priceUsd: 3012.5, account: 'acct-42' });
const metadata = JSON.stringify({ correlationId: 'bench-corr', userId: 'bench-user' });

async function main(): Promise<void> {
  const s = `lucent_probe_${randomUUID().slice(0, 8)}`;
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c synchronous_commit=${syncCommit}` });
  const store = await createPostgresEventStore({ pool, schema: s });
  try {
    await pool.query(`CREATE TABLE ${s}.raw_events (global_position bigserial PRIMARY KEY, stream_id text NOT NULL,
      stream_version bigint NOT NULL, event_id uuid NOT NULL, type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, stream_version))`);
    await pool.query(`CREATE FUNCTION ${s}.raw_in_plpgsql(p_stream text, p_version bigint, p_id uuid, p_type text, p_data jsonb, p_meta jsonb)
      RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN
        INSERT INTO ${s}.raw_events (stream_id, stream_version, event_id, type, data, metadata) VALUES (p_stream, p_version, p_id, p_type, p_data, p_meta);
        RETURN 1; END $$`);
    // Variants of the store's own function, each with one part removed (sequences stand in for what is taken out).
    await pool.query(`CREATE SEQUENCE ${s}.versions`);
    const source = (await pool.query<{ d: string }>(`SELECT pg_get_functiondef('${s}.lucent_append_one'::regproc) AS d`)).rows[0]!.d;
    const withoutNotify = source.replace(/PERFORM pg_notify[^;]*;/, '');
    const variants: Record<string, string> = {
      no_notify: withoutNotify,
      no_position_lock: withoutNotify.replace(/PERFORM pg_advisory_xact_lock\([^;]*;/, ''),
      no_stream_row: withoutNotify.replace(
        /v_version := \S+lucent_bump_stream\([^;]*;/,
        `v_version := nextval('${s}.versions');`,
      ),
    };
    for (const [name, sql] of Object.entries(variants)) {
      if (sql === source || (name !== 'no_notify' && sql === withoutNotify)) throw new Error(`variant ${name} removed nothing: the append function changed shape`);
      await pool.query(sql.replace(/\.lucent_append_one\(/, `.${name}(`));
    }
    await pool.query(source.replace(/\.lucent_append_one\(/, `.sql_only(`));

    let rawVersion = 0;
    let wrappedVersion = 0;
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
      'raw INSERT in PL/pgSQL': () =>
        pool.query({
          name: 'wrapped',
          text: `SELECT ${s}.raw_in_plpgsql($1, $2, $3, $4, $5, $6)`,
          values: ['wrapped', ++wrappedVersion, randomUUID(), 'Traded', payload, metadata],
        }),
      'store.append': () => store.append('lucent', [{ type: 'Traded', data: JSON.parse(payload), metadata: JSON.parse(metadata) }]),
      'append function (SQL only)': variant('sql_only'),
      'append function, no NOTIFY': variant('no_notify'),
      '… and no position lock': variant('no_position_lock'),
      '… no NOTIFY, no stream row': variant('no_stream_row'),
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
    for (const [name, v] of samples) {
      const m = p50(v);
      console.log(`${name.padEnd(28)} ${String(v.length).padStart(6)} calls  p50 ${(m * 1000).toFixed(0).padStart(5)} µs  ${(m / base).toFixed(2)}×`);
    }
  } finally {
    await pool.query(`DROP SCHEMA ${s} CASCADE`).catch(() => undefined);
    await store.close();
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
