// What the scale run asks the topology besides the load: one HTTP call, one call straight to a shard over NATS, who is connected to which NATS server.
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { callSubject, decodeJson, encodeCallHeaders, encodeJson } from '@lucent/nats';
import { subjectPrefix } from './lucent.js';
import { natsMonitorPort, natsHosts } from './servers.js';

export interface HttpAnswer {
  readonly status: number;
  readonly code?: string;
  readonly body: unknown;
  readonly error?: string;
}

/** One HTTP request with a deadline; a network error or a missed deadline is status 0. */
export async function httpJson(method: 'GET' | 'POST', url: string, body: unknown, deadlineMs: number): Promise<HttpAnswer> {
  try {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(deadlineMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: kept as text.
    }
    const code = typeof parsed === 'object' && parsed !== null && typeof (parsed as { code?: unknown }).code === 'string' ? (parsed as { code: string }).code : undefined;
    return { status: response.status, body: parsed, ...(code === undefined ? {} : { code }) };
  } catch (error) {
    return { status: 0, body: undefined, error: String(error) };
  }
}

/**
 * Call `name` on one shard directly (its own subject, as the gateway's router does), so a check sees
 * what that shard itself decides. Resolves with the error code it answered, or 'ok'.
 */
export async function callShard(connection: NatsConnection, shardId: string, name: string, input: unknown, timeoutMs: number): Promise<string> {
  const headers = encodeCallHeaders({ name, input, deadline: Date.now() + timeoutMs, attempt: 1, correlationId: `scale-${randomUUID()}` });
  const reply = await connection.request(callSubject(subjectPrefix, shardId), encodeJson(input), { headers, timeout: timeoutMs });
  const answer = decodeJson(reply.data) as { ok?: boolean; error?: { code?: string } };
  return answer.ok === true ? 'ok' : (answer.error?.code ?? 'unknown');
}

/** The NATS server (by name) each named client is connected to now, from the servers' monitoring (connz). */
export async function connectedServers(): Promise<Map<string, string>> {
  const where = new Map<string, string>();
  await Promise.all(
    natsHosts.map(async (host) => {
      try {
        const response = await fetch(`http://${host.address}:${natsMonitorPort}/connz?limit=1024`, { signal: AbortSignal.timeout(1_000) });
        const connz = (await response.json()) as { connections?: { name?: string }[] };
        for (const c of connz.connections ?? []) if (c.name !== undefined) where.set(c.name, host.name);
      } catch {
        // That server is down: nobody is connected to it.
      }
    }),
  );
  return where;
}
