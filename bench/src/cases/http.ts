// HTTP command endpoint: POST /functions/risk.healthFactor through NestJS + Fastify + Lucent vs a plain Fastify handler doing the same work by hand.
import 'reflect-metadata';
import type { Worker } from 'node:worker_threads';
import { healthFactor } from '@lucent/example-crypto-trading/dist/domain/risk/healthFactor.js';
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
import { healthFactorByHand, healthFactorPayload as payload } from './healthFactorByHand.js';

type Side = 'lucent' | 'fastify';

const path = '/functions/risk.healthFactor';
const spec: HttpRequestSpec = { method: 'POST', path, body: payload };
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
  const app = await createLucentApp(LucentModule.forRoot({ invoker: manager, openApi: false }), { nestLogger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return address.port;
}

async function startFastify(): Promise<number> {
  const { default: Fastify } = await import('fastify');
  const server = Fastify({ logger: false });
  // The same work by hand: the same zod contracts, the same formula, the same { output, events } reply.
  server.post(path, async (request, reply) => {
    const answer = healthFactorByHand(request.body);
    return reply.code(answer.status).send(answer.body);
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  return (server.server.address() as { port: number }).port;
}

serveInWorker(serverTag, (side) => (side === 'lucent' ? startLucent() : startFastify()));

/** Both servers must answer the same body before their speed is compared. */
async function sameAnswer(targets: Record<Side, HttpTarget>): Promise<void> {
  const [lucent, fastify] = await Promise.all([answerOf(targets.lucent.port, spec), answerOf(targets.fastify.port, spec)]);
  if (lucent !== fastify) throw new Error(`http bench: the sides answer differently:\n  lucent:  ${lucent}\n  fastify: ${fastify}`);
}

async function command(options: BenchOptions, out: BenchResult[]): Promise<void> {
  const workers: Worker[] = [];
  const targets = {} as Record<Side, HttpTarget>;
  const request = requestBytes(spec);
  try {
    for (const side of ['lucent', 'fastify'] as const) {
      const server = await startServerWorker(new URL(import.meta.url), serverTag, side);
      workers.push(server.worker);
      targets[side] = await openTarget(server, connections, () => request);
    }
    await sameAnswer(targets);
    await alternateHttp(targets, options);
  } finally {
    await closeTargets(Object.values(targets), workers);
  }
  const note =
    `POST ${path} (3 collaterals, ${Buffer.byteLength(payload)} B JSON), ${connections} keep-alive connections with one request in flight each, ` +
    'server in its own worker thread, raw-socket client in the main thread; lucent: NestJS 11 + FastifyAdapter + LucentModule ' +
    '(call-context guard, FunctionManager with zod input and output validation, LucentExceptionFilter); fastify: Fastify 5 route ' +
    'running the same zod contracts and formula by hand. Target: lucent at least 0.9× fastify (BENCHMARKS.md). Server thread busy per request ' +
    `(event-loop utilisation, less skewed by a loaded machine): lucent ${busyUsPerRequest(targets.lucent).toFixed(1)} µs, ` +
    `fastify ${busyUsPerRequest(targets.fastify).toFixed(1)} µs.`;
  const l = targets.lucent;
  const f = targets.fastify;
  out.push({
    case: 'http.command',
    metric: 'ops_per_s',
    higherIsBetter: true,
    lucent: targetOpsPerSecond(l),
    baselines: { fastify: targetOpsPerSecond(f) },
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
