// Shards tell publishers and operators what they made of each bundle: a request on one subject, one reply per shard.
import { RequestStrategy, type NatsConnection, type Subscription } from 'nats';
import type { BundleDeployer, BundleOutcome } from '@lucent/runtime';

/** One shard's verdict on one bundle. `pending`: the shard follows the store but has not handled it yet. */
export interface BundleVerdict {
  readonly id: string;
  readonly status: 'loaded' | 'rejected' | 'failed' | 'pending';
  /** Why it was refused: `bad-signature`, `hash-mismatch`, … (rejected), or the error (failed). */
  readonly reason?: string;
  readonly message?: string;
  /** `name@version` the bundle registered on this shard (loaded). */
  readonly functions?: readonly string[];
}

/** A shard's answer: its id and its verdicts on the bundles asked about (all it handled when none were named). */
export interface ShardBundleStatus {
  readonly shard: string;
  readonly bundles: readonly BundleVerdict[];
}

/** Subject shards following `bucket` under `prefix` answer on. Every shard of the bucket answers. */
export function bundleStatusSubject(prefix: string, bucket: string): string {
  return `${prefix}.bundles.${bucket}.status`;
}

export function verdictOf(id: string, outcome: BundleOutcome | undefined): BundleVerdict {
  if (outcome === undefined) return { id, status: 'pending' };
  if (outcome.status === 'loaded') return { id, status: 'loaded', functions: outcome.functions };
  if (outcome.status === 'rejected') return { id, status: 'rejected', reason: outcome.error.reason, message: outcome.error.message };
  return { id, status: 'failed', reason: 'load-failed', message: String(outcome.error) };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Answer status requests for `deployer` until the subscription is closed. */
export function serveBundleStatus(connection: NatsConnection, subject: string, shard: string, deployer: BundleDeployer): Subscription {
  return connection.subscribe(subject, {
    callback: (error, msg) => {
      if (error || !msg.reply) return;
      let ids: readonly string[] | undefined;
      try {
        ids = (JSON.parse(decoder.decode(msg.data)) as { ids?: string[] }).ids;
      } catch {
        ids = undefined;
      }
      const bundles = ids === undefined ? deployer.states().map((o) => verdictOf(o.id, o)) : ids.map((id) => verdictOf(id, deployer.state(id)));
      msg.respond(encoder.encode(JSON.stringify({ shard, bundles } satisfies ShardBundleStatus)));
    },
  });
}

/** Ask every shard following the bucket; the replies that arrive within `windowMs` (default 500 ms). */
export async function askBundleStatus(connection: NatsConnection, subject: string, ids?: readonly string[], windowMs = 500): Promise<ShardBundleStatus[]> {
  const replies: ShardBundleStatus[] = [];
  const payload = encoder.encode(JSON.stringify(ids === undefined ? {} : { ids }));
  try {
    for await (const msg of await connection.requestMany(subject, payload, { strategy: RequestStrategy.Timer, maxWait: windowMs })) {
      try {
        replies.push(JSON.parse(decoder.decode(msg.data)) as ShardBundleStatus);
      } catch {
        // Not a shard's answer: ignore it.
      }
    }
  } catch (error) {
    // No responders at all is an answer: no shard follows this bucket right now.
    if ((error as { code?: string }).code !== '503') throw error;
  }
  return replies.sort((a, b) => a.shard.localeCompare(b.shard));
}

/**
 * Ask until every answering shard has a verdict on `id` that is not `pending`, or `timeoutMs` passes.
 * Returns the last answers: a shard still `pending` at the end had not handled the bundle in time.
 */
export async function awaitBundleVerdicts(connection: NatsConnection, subject: string, id: string, timeoutMs: number): Promise<ShardBundleStatus[]> {
  const stopAt = Date.now() + timeoutMs;
  for (;;) {
    const answers = await askBundleStatus(connection, subject, [id]);
    const settled = answers.every((a) => a.bundles.every((b) => b.status !== 'pending'));
    if ((answers.length > 0 && settled) || Date.now() >= stopAt) return answers;
    // Nobody answered for a while: no shard follows this bucket (one that starts later loads the bundle then).
    if (answers.length === 0 && Date.now() >= stopAt - timeoutMs + Math.min(timeoutMs, 3_000)) return answers;
    // With no answer yet, a shard may still be starting: keep asking until the deadline.
    await new Promise((r) => setTimeout(r, 200));
  }
}
