// Shards answer "how do the shadows of NAME compare here?" on one subject, so an operator reads shadow results without a database.
import { RequestStrategy, type NatsConnection, type Subscription } from 'nats';
import type { ShadowPairReport, ShadowRunner } from '@lucent/runtime';

export interface ShardShadowReport {
  readonly shard: string;
  readonly pairs: readonly ShadowPairReport[];
}

export function shadowReportSubject(prefix: string): string {
  return `${prefix}.shadow.report`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Answer report requests with this process's comparisons since it started. */
export function serveShadowReports(connection: NatsConnection, subject: string, shard: string, runner: ShadowRunner): Subscription {
  return connection.subscribe(subject, {
    callback: (error, msg) => {
      if (error || !msg.reply) return;
      let name: string | undefined;
      try {
        name = (JSON.parse(decoder.decode(msg.data)) as { name?: string }).name;
      } catch {
        name = undefined;
      }
      msg.respond(encoder.encode(JSON.stringify({ shard, pairs: runner.localReport(name) } satisfies ShardShadowReport)));
    },
  });
}

/** Every answering shard's report on `name` within `windowMs` (default 500 ms). */
export async function askShadowReports(connection: NatsConnection, subject: string, name: string, windowMs = 500): Promise<ShardShadowReport[]> {
  const out: ShardShadowReport[] = [];
  try {
    for await (const msg of await connection.requestMany(subject, encoder.encode(JSON.stringify({ name })), { strategy: RequestStrategy.Timer, maxWait: windowMs })) {
      try {
        out.push(JSON.parse(decoder.decode(msg.data)) as ShardShadowReport);
      } catch {
        // Not a shard's answer.
      }
    }
  } catch (error) {
    if ((error as { code?: string }).code !== '503') throw error;
  }
  return out.sort((a, b) => a.shard.localeCompare(b.shard));
}
