// The shard on the NATS Services API: `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS` list it as `lucent-shard`, with one endpoint per hosted function.
import { createRequire } from 'node:module';
import type { ErrorCode } from '@lucent/core';
import type { FunctionManager } from '@lucent/runtime';
import type { Shard } from '@lucent/runtime/cluster';
import type { NatsConnection, Service, ServiceMsg } from 'nats';

/** The service name every Lucent shard registers under: `nats micro ls` groups them. */
export const shardServiceName = 'lucent-shard';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Status of an endpoint's error reply, by Lucent code (the Services API carries a number and a description). */
const statusOf: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  RULE_VIOLATED: 422,
  FUNCTION_NOT_FOUND: 404,
  FUNCTION_DISABLED: 409,
  JURISDICTION_DENIED: 403,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** An endpoint name is one subject token of letters, digits, `-` and `_`: `risk.healthFactor` becomes `risk_healthFactor`. */
export const endpointName = (fn: string): string => fn.replace(/[^A-Za-z0-9_-]/g, '_');

/** Where a shard's endpoint for `fn` listens: `<prefix>.srv.<shard id>.<function name>`. */
export const shardEndpointSubject = (prefix: string, shardId: string, fn: string): string => `${prefix}.srv.${shardId}.${fn}`;

/** An endpoint's calls, those that failed, and the time they ran, ms: the `data` of its `$SRV.STATS` entry. */
export interface EndpointFigures {
  calls: number;
  errors: number;
  totalMs: number;
}

export interface ShardServiceOptions {
  readonly connection: NatsConnection;
  readonly shard: Shard;
  readonly functions: FunctionManager;
  readonly prefix: string;
  /** How long a call through an endpoint may run, ms (default 5,000). */
  readonly timeoutMs?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Registers the shard with the Services API. Each function hosted at start gets an endpoint that
 * runs it (a JSON input in, `{ output, events, version }` out, or an error reply with the Lucent
 * code), so `nats req` and `nats micro` can reach a given shard; callers in the cluster go through
 * the ClusterClient as before, and their calls are counted in `/metrics`, not in these stats.
 */
export async function registerShardService(options: ShardServiceOptions): Promise<Service> {
  const { connection, shard, functions, prefix } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  // nats.js times and counts errors of a handler's synchronous part only; these runs are async, so
  // each endpoint's own figures go out as the stats' `data`.
  const figures = new Map<string, EndpointFigures>();
  const service = await connection.services.add({
    statsHandler: (endpoint) => Promise.resolve(figures.get(endpoint.subject) ?? null),
    name: shardServiceName,
    version,
    description: `Lucent shard ${shard.id}: runs its functions for callers in the cluster`,
    metadata: { shard: shard.id, prefix, tags: shard.tags.join(',') },
  });
  let sequence = 0;
  for (const f of functions.list()) {
    const subject = shardEndpointSubject(prefix, shard.id, f.name);
    figures.set(subject, { calls: 0, errors: 0, totalMs: 0 });
    service.addEndpoint(endpointName(f.name), {
      subject,
      metadata: { function: f.name, versions: f.versions.join(',') },
      handler: (error, msg) => {
        if (error === null) void answer(msg, f.name, figures.get(subject)!);
      },
    });
  }

  async function answer(msg: ServiceMsg, name: string, counted: EndpointFigures): Promise<void> {
    counted.calls++;
    let input: unknown = {};
    try {
      if (msg.data.length > 0) input = JSON.parse(decoder.decode(msg.data));
    } catch {
      counted.errors++;
      msg.respondError(400, 'VALIDATION_FAILED: the request body is not JSON');
      return;
    }
    const started = performance.now();
    const reply = await shard.handle({ name, input, deadline: Date.now() + timeoutMs, correlationId: `${shard.id}-srv-${++sequence}`, attempt: 1 });
    counted.totalMs += performance.now() - started;
    if (!reply.ok) counted.errors++;
    if (reply.ok) msg.respond(encoder.encode(JSON.stringify({ output: reply.output, events: reply.events, version: reply.version })));
    else msg.respondError(statusOf[reply.error.code] ?? 500, `${reply.error.code}: ${reply.error.message}`, encoder.encode(JSON.stringify(reply.error)));
  }

  return service;
}
