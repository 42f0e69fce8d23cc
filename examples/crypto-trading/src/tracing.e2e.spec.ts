// One HTTP request across processes is one trace: the gateway (dist/main.js) and a `lucent shard` each write their spans (LUCENT_TRACES_FILE); the spec joins them.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '@lucent/nats';
import type { SpanRecord } from '@lucent/runtime';
import { freePort, startShard } from './demo/cluster.js';

const natsUrl = 'nats://127.0.0.1:4222';
const pgUrl = 'postgres://postgres@127.0.0.1:5432/test';
const root = fileURLToPath(new URL('../../../', import.meta.url));
const mainScript = path.join(root, 'examples/crypto-trading/dist/main.js');

/** Spawn the gateway as `npm start` runs it; resolves once it listens. */
function startGateway(env: NodeJS.ProcessEnv, baseUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [mainScript], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the gateway did not listen within 60 s: ${out.slice(-2_000)}`)), 60_000);
    const onData = (d: Buffer): void => {
      out = (out + d.toString()).slice(-8_000);
      if (out.includes(`service on ${baseUrl}`)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8_000)));
    child.once('exit', (code, signal) => (clearTimeout(timer), reject(new Error(`the gateway exited (${code ?? signal}): ${out.slice(-2_000)}`))));
  });
}

async function spansIn(file: string): Promise<SpanRecord[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as SpanRecord);
}

describe('tracing across the gateway, NATS, a shard, the event store and the projector', () => {
  const tag = randomBytes(4).toString('hex');
  const prefix = `trace-test-${tag}`;
  const schema = `trace_${tag}`;
  let dir: string;
  let baseUrl: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `lucent-trace-${tag}-`));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    // Every span sampled whatever the machine's own OTEL_* settings say; files are the only exporters.
    const base = { ...process.env, OTEL_TRACES_SAMPLER: 'parentbased_always_on', OTEL_TRACES_EXPORTER: 'none', OTEL_SDK_DISABLED: 'false' };
    const [shard, gateway] = await Promise.all([
      startShard('trace-1', ['general'], natsUrl, prefix, undefined, { ...base, LUCENT_TRACES_FILE: path.join(dir, 'shard.jsonl') }),
      startGateway(
        {
          ...base,
          LUCENT_TRACES_FILE: path.join(dir, 'gateway.jsonl'),
          PORT: String(port),
          HOST: '127.0.0.1',
          LUCENT_PRICE_CRON: 'off',
          LUCENT_NATS_URL: natsUrl,
          LUCENT_NATS_PREFIX: prefix,
          LUCENT_PG_URL: pgUrl,
          LUCENT_PG_SCHEMA: schema,
          LUCENT_REDIS_URL: 'redis://127.0.0.1:6379',
          LUCENT_REDIS_PREFIX: `lucent-trace-test:${tag}:`,
        },
        baseUrl,
      ),
    ]);
    children.push(shard, gateway);
  }, 90_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    const connection = await connectNats({ url: natsUrl });
    const jsm = await connection.jetstreamManager();
    await jsm.streams.delete(`KV_${prefix}-registry`).catch(() => undefined);
    await connection.close();
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('POST /positions makes one trace: HTTP → command → call over NATS → shard → function, and the append and projection commit under the command', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const positionId = `p-${tag}`;
    const response = await fetch(`${baseUrl}/positions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpan}-01` },
      body: JSON.stringify({ positionId, owner: 'alice', pair: 'ETH-USD' }),
      signal: AbortSignal.timeout(15_000),
    });
    expect(response.status, await response.clone().text()).toBe(201);

    // Spans are written as they end; the projector commits within its poll interval (500 ms).
    let spans: SpanRecord[] = [];
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      spans = [...(await spansIn(path.join(dir, 'gateway.jsonl'))), ...(await spansIn(path.join(dir, 'shard.jsonl')))].filter((s) => s.traceId === traceId);
      if (spans.some((s) => s.name.startsWith('projection ')) && spans.some((s) => s.name.startsWith('POST '))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const one = (name: string, service: string): SpanRecord => {
      const found = spans.filter((s) => s.name === name && s.service === service);
      expect(found, `${name} in ${service}: ${spans.map((s) => `${s.service}/${s.name}`).join(', ')}`).toHaveLength(1);
      return found[0]!;
    };
    const http = one('POST /positions', 'crypto-trading');
    const command = one('command positions.decide', 'crypto-trading');
    const call = one('call positions.decide', 'crypto-trading');
    const serve = one('serve positions.decide', 'lucent-shard');
    const fn = one('function positions.decide', 'lucent-shard');
    const append = one('eventstore.append', 'crypto-trading');
    const projection = one('projection portfolio', 'crypto-trading');

    // Parent links, across both processes: the request's caller → HTTP → command → {call → serve → function, append, projection}.
    expect(http.parentSpanId).toBe(callerSpan);
    expect(http.kind).toBe('SERVER');
    expect(http.attributes['http.response.status_code']).toBe(201);
    expect(command.parentSpanId).toBe(http.spanId);
    expect(call.parentSpanId).toBe(command.spanId);
    expect(call.kind).toBe('CLIENT');
    expect(call.attributes['lucent.shard']).toBe('trace-1');
    expect(serve.parentSpanId).toBe(call.spanId);
    expect(serve.kind).toBe('SERVER');
    expect(fn.parentSpanId).toBe(serve.spanId);
    expect(fn.attributes).toMatchObject({ 'lucent.function.name': 'positions.decide', 'lucent.shard': 'trace-1', 'lucent.correlation_id': call.attributes['lucent.correlation_id'] });
    expect(typeof fn.attributes['lucent.function.version']).toBe('string');
    expect(append.parentSpanId).toBe(command.spanId);
    expect(append.attributes).toMatchObject({ 'lucent.stream': `position-${positionId}`, 'lucent.events': 1 });
    // The projector runs apart from the request: its parent comes from the traceparent the event carries.
    expect(projection.parentSpanId).toBe(command.spanId);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
    expect(spans.every((s) => s.status !== 2)).toBe(true);

    // The stored event names the command's span: trace id and span id in its metadata's traceparent.
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ metadata: { traceparent?: string } }>(`SELECT metadata FROM "${schema}".lucent_events WHERE stream_id = $1`, [`position-${positionId}`]);
      expect(rows.map((r) => r.metadata.traceparent)).toEqual([`00-${traceId}-${command.spanId}-01`]);
    } finally {
      await client.end();
    }
  }, 30_000);
});
