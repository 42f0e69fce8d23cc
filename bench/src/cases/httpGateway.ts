// HTTP gateway call: POST /functions/risk.healthFactor through a Lucent gateway (NestJS + ClusterClient) → NATS → a shard process, against the same
// call in-process and against a plain Fastify handler calling nats.js request() to a plain nats.js responder (the hand-written baseline).
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import {
  alternateHttp,
  answerOf,
  busyUsPerRequest,
  closeTargets,
  openTarget,
  requestBytes,
  serveInWorker,
  startServerWorker,
  targetOpsPerSecond,
  type HttpRequestSpec,
  type HttpTarget,
} from '../harness/httpLoad.js';
import type { BenchArea, BenchOptions, BenchResult } from '../harness/types.js';
import { wants } from '../harness/types.js';
import { healthFactorFiveSeconds as healthFactor, healthFactorPayload as payload } from './healthFactorByHand.js';

const sides = ['lucent-gateway', 'lucent-inprocess', 'fastify-nats-request'] as const;
type Side = (typeof sides)[number];

const path = '/functions/risk.healthFactor';
const spec: HttpRequestSpec = { method: 'POST', path, body: payload };
/** Connections, one request in flight on each, as issue 13 asks. */
const connections = 32;
const serverTag = 'lucent.bench.http.gateway.server';

interface GatewayConfig {
  readonly natsUrl: string;
  readonly prefix: string;
  readonly rawSubject: string;
}

// ---- HTTP servers (each in its own worker thread)

/** Lucent's gateway: the function runs on the shard process, reached by a ClusterClient over NATS. */
async function startGateway(config: GatewayConfig): Promise<number> {
  const { createLucentApp, LucentModule } = await import('@lucent/nestjs');
  const { ClusterClient } = await import('@lucent/runtime/cluster');
  const { NatsTransport, connectNats } = await import('@lucent/nats');
  const connection = await connectNats({ url: config.natsUrl, name: 'lucent-bench-gateway' });
  const transport = new NatsTransport({ connection, subjectPrefix: config.prefix, ownsConnection: true });
  // The gateway knows the generated registry (contracts checked here too, metadata routes), as a service's gateway does.
  const client = new ClusterClient({ transport, functions: { [healthFactor.name]: healthFactor } });
  await client.ready(1, 15_000);
  const app = await createLucentApp(LucentModule.forRoot({ invoker: client, openApi: false }), { nestLogger: false });
  await app.listen(0, '127.0.0.1');
  return (app.getHttpServer().address() as { port: number }).port;
}

/** The same call in this process: http.command's Lucent side. */
async function startInProcess(): Promise<number> {
  const { createLucentApp, LucentModule } = await import('@lucent/nestjs');
  const { FunctionManager } = await import('@lucent/runtime');
  const manager = new FunctionManager().register(healthFactor);
  const app = await createLucentApp(LucentModule.forRoot({ invoker: manager, openApi: false }), { nestLogger: false });
  await app.listen(0, '127.0.0.1');
  return (app.getHttpServer().address() as { port: number }).port;
}

/** By hand: a Fastify route that forwards the body with nats.js request() (default options) and sends back what the responder answered. */
async function startFastifyNats(config: GatewayConfig): Promise<number> {
  const { default: Fastify } = await import('fastify');
  const { connect } = await import('nats');
  const nc = await connect({ servers: config.natsUrl, name: 'lucent-bench-fastify-nats' });
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const server = Fastify({ logger: false });
  server.post(path, async (request, reply) => {
    const msg = await nc.request(config.rawSubject, encoder.encode(JSON.stringify(request.body)), { timeout: 5_000 });
    const answer = JSON.parse(decoder.decode(msg.data)) as { status: number; body: unknown };
    return reply.code(answer.status).send(answer.body);
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  return (server.server.address() as { port: number }).port;
}

serveInWorker(serverTag, (side, config) => {
  const c = config as GatewayConfig;
  if (side === 'lucent-gateway') return startGateway(c);
  if (side === 'lucent-inprocess') return startInProcess();
  return startFastifyNats(c);
});

// ---- the back-end process: the Lucent shard and the plain responder (gatewayBackends.ts)

async function startBackends(config: GatewayConfig & { shardId: string }): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('./gatewayBackends.js', import.meta.url)), [], {
    env: { ...process.env, LUCENT_BENCH_GATEWAY: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the shard process did not start within 30 s')), 30_000);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the shard process exited (${signal ?? `code ${code}`}) before it was ready`));
      });
      child.once('message', (m: unknown) => {
        clearTimeout(timer);
        if (m === 'ready') resolve();
        else reject(new Error(`the shard process failed: ${(m as { error?: string }).error ?? String(m)}`));
      });
    });
    return child;
  } catch (error) {
    await stopBackends(child);
    throw error;
  }
}

/** Ask the back-end process to drain and exit; kill it (by its pid, through the handle) if it has not within 5 s. */
async function stopBackends(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function gateway(options: BenchOptions, out: BenchResult[]): Promise<void> {
  const tag = randomBytes(4).toString('hex');
  const prefix = `lucent-bench-gw-${tag}`;
  const config: GatewayConfig = { natsUrl: options.natsUrl, prefix, rawSubject: `${prefix}.raw.healthFactor` };
  const workers: Worker[] = [];
  const targets = {} as Record<Side, HttpTarget>;
  const request = requestBytes(spec);
  const backends = await startBackends({ ...config, shardId: `bench-gw-${tag}` });
  try {
    for (const side of sides) {
      const server = await startServerWorker(new URL(import.meta.url), serverTag, side, config);
      workers.push(server.worker);
      targets[side] = await openTarget(server, connections, () => request);
    }
    // Every side must answer the same body before their speed is compared.
    const answers = await Promise.all(sides.map((s) => answerOf(targets[s].port, spec)));
    if (new Set(answers).size !== 1) throw new Error(`http.gateway: the sides answer differently:\n${sides.map((s, i) => `  ${s}: ${answers[i]}`).join('\n')}`);
    await alternateHttp(targets, options);
  } finally {
    await closeTargets(Object.values(targets), workers);
    await stopBackends(backends);
  }
  const g = targets['lucent-gateway'];
  const busy = sides.map((s) => `${s} ${busyUsPerRequest(targets[s]).toFixed(1)} µs`).join(', ');
  const note =
    `POST ${path} (3 collaterals, ${Buffer.byteLength(payload)} B JSON), ${connections} keep-alive connections with one request in flight each; ` +
    'each HTTP server in its own worker thread, raw-socket client in the main thread, NATS on 127.0.0.1 with a subject prefix of its own. ' +
    'lucent-gateway: createLucentApp + LucentModule.forRoot({ invoker: ClusterClient }) → NATS → a shard process started with startNatsShard ' +
    '(contracts checked at the gateway and on the shard). lucent-inprocess: the same app with a FunctionManager in the HTTP thread (http.command). ' +
    'fastify-nats-request (the hand-written baseline): a Fastify 5 route calling nats.js request() (default options) to a plain nats.js ' +
    'responder in the same back-end process running the same zod contracts and formula. Target: lucent-gateway at least 0.8× fastify-nats-request. ' +
    `HTTP thread busy per request: ${busy}.`;
  const baselinesOf = (value: (t: HttpTarget) => number): Record<string, number> => ({
    'fastify-nats-request': value(targets['fastify-nats-request']),
    'lucent-inprocess': value(targets['lucent-inprocess']),
  });
  out.push({
    case: 'http.gateway',
    metric: 'ops_per_s',
    higherIsBetter: true,
    lucent: targetOpsPerSecond(g),
    baselines: baselinesOf(targetOpsPerSecond),
    floors: ['fastify-nats-request'],
    note,
  });
  for (const p of [50, 99] as const) {
    out.push({
      case: 'http.gateway',
      metric: `p${p}_us`,
      higherIsBetter: false,
      lucent: g.recorder.percentileUs(p),
      baselines: baselinesOf((t) => t.recorder.percentileUs(p)),
      floors: ['fastify-nats-request'],
      note: `latency under the same load (${connections} in flight)`,
    });
  }
}

export const httpGatewayArea: BenchArea = {
  area: 'http-gateway',
  cases: ['http.gateway'],
  requires: ['nats'],
  async run(options) {
    const out: BenchResult[] = [];
    if (wants(options, 'http.gateway')) await gateway(options, out);
    return out;
  },
};
