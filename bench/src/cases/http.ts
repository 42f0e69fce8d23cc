// HTTP command endpoint: POST /functions/risk.healthFactor through NestJS + Fastify + Lucent vs a plain Fastify handler doing the same work by hand.
import 'reflect-metadata';
import { connect, type Socket } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { healthFactor } from '@lucent/example-crypto-trading/dist/domain/risk/healthFactor.js';
import { alternate } from '../harness/alternate.js';
import { LatencyRecorder } from '../harness/latencyRecorder.js';
import { addOps, emptyOps, opsPerSecond, type OpsSample } from '../harness/measure.js';
import type { BenchArea, BenchOptions, BenchResult } from '../harness/types.js';
import { wants } from '../harness/types.js';

type Side = 'lucent' | 'fastify';

const path = '/functions/risk.healthFactor';
/** Three collaterals, healthy (no event): the usual shape of a dashboard's health check. */
const payload = JSON.stringify({
  collateral: [
    { asset: 'ETH', amount: 10, priceUsd: 3000, liquidationThreshold: 0.825 },
    { asset: 'WBTC', amount: 0.5, priceUsd: 60000, liquidationThreshold: 0.78 },
    { asset: 'USDC', amount: 5000, priceUsd: 1, liquidationThreshold: 0.87 },
  ],
  debtUsd: 20000,
});
/** Connections, one request in flight on each: enough to keep one server thread busy. */
const connections = 32;
const serverTag = 'lucent.bench.http.server';

// ---- servers (each in its own worker thread, so the load generator does not share their event loop)

async function startLucent(): Promise<number> {
  const { createLucentApp, LucentModule } = await import('@lucent/nestjs');
  const { FunctionManager } = await import('@lucent/runtime');
  // The defaults a service runs with: input and output validation on, the guard building a call
  // context, and the HTTP edge of createLucentApp (JSON depth and string checks, timeouts).
  const manager = new FunctionManager().register(healthFactor);
  const app = await createLucentApp(LucentModule.forRoot({ manager, openApi: false }), { nestLogger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return address.port;
}

interface HfIn {
  readonly collateral: readonly { readonly amount: number; readonly priceUsd: number; readonly liquidationThreshold: number }[];
  readonly debtUsd: number;
}

async function startFastify(): Promise<number> {
  const { default: Fastify } = await import('fastify');
  const server = Fastify({ logger: false });
  const input = healthFactor.input['~standard'];
  const output = healthFactor.output['~standard'];
  // The same work by hand: the same zod contracts, the same formula, the same { output, events } reply.
  server.post(path, async (request, reply) => {
    const parsed = input.validate(request.body);
    if (parsed instanceof Promise || parsed.issues) return reply.code(400).send({ code: 'VALIDATION_FAILED' });
    const { collateral, debtUsd } = parsed.value as HfIn;
    let collateralUsd = 0;
    let riskAdjustedCollateralUsd = 0;
    for (const c of collateral) {
      const valueUsd = c.amount * c.priceUsd;
      collateralUsd += valueUsd;
      riskAdjustedCollateralUsd += valueUsd * c.liquidationThreshold;
    }
    const events: unknown[] = [];
    let result: Record<string, unknown>;
    if (debtUsd === 0) result = { healthFactor: null, status: 'noDebt', collateralUsd, riskAdjustedCollateralUsd, debtUsd };
    else {
      const hf = riskAdjustedCollateralUsd / debtUsd;
      if (hf < 1.1) {
        events.push({ type: 'LiquidationRiskRaised', data: { healthFactor: hf, debtUsd, riskAdjustedCollateralUsd, accountId: null, at: Date.now() } });
      }
      const status = hf < 1 ? 'liquidatable' : hf < 1.1 ? 'atRisk' : 'safe';
      result = { healthFactor: hf, status, collateralUsd, riskAdjustedCollateralUsd, debtUsd };
    }
    const checked = output.validate(result);
    if (checked instanceof Promise || checked.issues) return reply.code(500).send({ code: 'FUNCTION_FAILED' });
    return { output: checked.value, events };
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  return (server.server.address() as { port: number }).port;
}

if (!isMainThread && (workerData as { tag?: string } | null)?.tag === serverTag) {
  const side = (workerData as { side: Side }).side;
  // The server thread's own busy time, asked around each window: a cost per request that the client's share of the CPU does not skew.
  parentPort?.on('message', (m: unknown) => {
    if (m === 'elu') parentPort?.postMessage({ elu: performance.eventLoopUtilization() });
  });
  void (side === 'lucent' ? startLucent() : startFastify()).then(
    (port) => parentPort?.postMessage({ port }),
    (error: unknown) => parentPort?.postMessage({ error: String(error) }),
  );
}

async function startServer(side: Side): Promise<{ worker: Worker; port: number }> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { tag: serverTag, side } });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${side} server did not start within 30 s`)), 30_000);
      worker.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      worker.once('message', (m: { port?: number; error?: string }) => {
        clearTimeout(timer);
        if (m.port === undefined) reject(new Error(`${side} server failed: ${m.error ?? 'no port'}`));
        else resolve(m.port);
      });
    });
    return { worker, port };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}

// ---- load generator: raw keep-alive sockets, one request in flight each, so the client costs little next to the server

const request = Buffer.from(
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
  'latin1',
);
const headerEnd = Buffer.from('\r\n\r\n', 'latin1');

/** One keep-alive connection that sends the request again as soon as a whole response has arrived, until its window ends. */
class LoadConnection {
  private buffer: Buffer | undefined;
  /** Bytes of the response being read (headers + body), or -1 while its headers are incomplete. */
  private need = -1;
  private status = 0;
  private sentAt = 0;
  private window: { endAt: number; recorder: LatencyRecorder | undefined; done: (error?: Error) => void } | undefined;
  ops = 0;
  failures = 0;
  lastFailure = '';

  /** Set when the socket failed or closed; a window then ends with this error instead of waiting forever. */
  private broken: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.stop(error));
    socket.on('close', () => this.stop(new Error('the server closed a keep-alive connection')));
  }

  static open(port: number): Promise<LoadConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => {
        socket.off('error', reject);
        resolve(new LoadConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Requests back to back for `windowMs`; ends with the response in flight, or fails after a 10 s grace. */
  run(windowMs: number, recorder: LatencyRecorder | undefined): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.stop(new Error('a request got no reply within 10 s after its window')), windowMs + 10_000);
      this.window = {
        endAt: performance.now() + windowMs,
        recorder,
        done: (error) => {
          clearTimeout(timer);
          if (error === undefined) resolve();
          else reject(error);
        },
      };
      this.send();
    });
  }

  private stop(error: Error): void {
    this.broken ??= error;
    const window = this.window;
    this.window = undefined;
    window?.done(error);
  }

  private send(): void {
    this.sentAt = performance.now();
    this.socket.write(request);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer === undefined ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.need < 0) {
      const end = this.buffer.indexOf(headerEnd);
      if (end < 0) return;
      const head = this.buffer.toString('latin1', 0, end);
      this.status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (length === null) {
        this.socket.destroy(new Error('response without content-length (chunked replies are not supported here)'));
        return;
      }
      this.need = end + headerEnd.length + Number(length[1]);
    }
    if (this.buffer.length < this.need) return;
    if (this.status !== 200) {
      this.failures++;
      this.lastFailure = `${this.status} ${this.buffer.toString('utf8', 0, Math.min(this.buffer.length, 300))}`;
    }
    this.buffer = undefined;
    this.need = -1;
    const now = performance.now();
    const window = this.window;
    if (window === undefined) return;
    this.ops++;
    window.recorder?.recordMs(now - this.sentAt);
    if (now < window.endAt) this.send();
    else {
      this.window = undefined;
      window.done();
    }
  }

  close(): void {
    this.window = undefined;
    this.socket.destroy();
  }
}

interface Target {
  readonly worker: Worker;
  readonly conns: LoadConnection[];
  readonly totals: OpsSample;
  readonly recorder: LatencyRecorder;
  /** Milliseconds the server thread was busy during measured windows. */
  busyMs: number;
}

function serverBusyMs(worker: Worker): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: { elu?: { active: number } }): void => {
      if (m.elu === undefined) return;
      worker.off('message', onMessage);
      resolve(m.elu.active);
    };
    worker.on('message', onMessage);
    worker.postMessage('elu');
  });
}

async function measureWindow(target: Target, windowMs: number, measured: boolean): Promise<void> {
  const before = target.conns.reduce((n, c) => n + c.ops, 0);
  const busyBefore = measured ? await serverBusyMs(target.worker) : 0;
  const start = performance.now();
  await Promise.all(target.conns.map((c) => c.run(windowMs, measured ? target.recorder : undefined)));
  const ms = performance.now() - start;
  if (measured) target.busyMs += (await serverBusyMs(target.worker)) - busyBefore;
  const failed = target.conns.find((c) => c.failures > 0);
  // A refused request is cheap: counting it would flatter whichever side refuses.
  if (failed !== undefined) throw new Error(`http bench: ${failed.failures} non-200 replies, e.g. ${failed.lastFailure}`);
  if (measured) addOps(target.totals, { ops: target.conns.reduce((n, c) => n + c.ops, 0) - before, ms });
}

/** Both servers must answer the same body before their speed is compared. */
async function sameAnswer(ports: Record<Side, number>): Promise<void> {
  const answers = await Promise.all(
    (['lucent', 'fastify'] as const).map(async (side) => {
      const res = await fetch(`http://127.0.0.1:${ports[side]}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
      });
      return `${res.status} ${await res.text()}`;
    }),
  );
  if (answers[0] !== answers[1]) throw new Error(`http bench: the sides answer differently:\n  lucent:  ${answers[0]}\n  fastify: ${answers[1]}`);
}

async function command(options: BenchOptions, out: BenchResult[]): Promise<void> {
  const workers: Worker[] = [];
  const targets = {} as Record<Side, Target>;
  try {
    const ports = {} as Record<Side, number>;
    for (const side of ['lucent', 'fastify'] as const) {
      const server = await startServer(side);
      workers.push(server.worker);
      ports[side] = server.port;
      const conns = await Promise.all(Array.from({ length: connections }, () => LoadConnection.open(server.port)));
      targets[side] = { worker: server.worker, conns, totals: emptyOps(), recorder: new LatencyRecorder(), busyMs: 0 };
    }
    await sameAnswer(ports);
    // JIT of Nest's router, zod's compiled checks and Fastify's serialiser need more than a short warm-up.
    await alternate(['lucent', 'fastify'] as const, { ...options, warmupMs: Math.max(1_000, Math.min(options.windowMs, 2_000)) }, (side, ms, measured) =>
      measureWindow(targets[side], ms, measured),
    );
  } finally {
    for (const t of Object.values(targets)) for (const c of t.conns) c.close();
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const busyUs = (t: Target): number => (1000 * t.busyMs) / t.totals.ops;
  const note =
    `POST ${path} (3 collaterals, ${Buffer.byteLength(payload)} B JSON), ${connections} keep-alive connections with one request in flight each, ` +
    'server in its own worker thread, raw-socket client in the main thread; lucent: NestJS 11 + FastifyAdapter + LucentModule ' +
    '(call-context guard, FunctionManager with zod input and output validation, LucentExceptionFilter); fastify: Fastify 5 route ' +
    'running the same zod contracts and formula by hand. Target: lucent at least 80% of fastify. Server thread busy per request ' +
    `(event-loop utilisation, less skewed by a loaded machine): lucent ${busyUs(targets.lucent).toFixed(1)} µs, ` +
    `fastify ${busyUs(targets.fastify).toFixed(1)} µs.`;
  const l = targets.lucent;
  const f = targets.fastify;
  out.push({
    case: 'http.command',
    metric: 'ops_per_s',
    higherIsBetter: true,
    lucent: opsPerSecond(l.totals),
    baselines: { fastify: opsPerSecond(f.totals) },
    floors: ['fastify'],
    note,
  });
  for (const p of [50, 99] as const) {
    out.push({
      case: 'http.command',
      metric: `p${p}_us`,
      higherIsBetter: false,
      lucent: l.recorder.percentileUs(p),
      baselines: { fastify: f.recorder.percentileUs(p) },
      floors: ['fastify'],
      note: `latency under the same load (${connections} in flight)`,
    });
  }
}

export const httpArea: BenchArea = {
  area: 'http',
  cases: ['http.command'],
  async run(options) {
    const out: BenchResult[] = [];
    if (wants(options, 'http.command')) await command(options, out);
    return out;
  },
};
