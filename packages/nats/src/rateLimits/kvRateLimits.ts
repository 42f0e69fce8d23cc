// Rate limits kept in a NATS KV key and watched by every node: an operator's put reaches each node's RateLimits without a restart.
import type { KV, NatsConnection } from 'nats';
import type { Logger } from '@lucent/core';
import { parseRateLimits, type RateLimits, type RateLimitsDocument } from '@lucent/runtime';
import { followKvKey } from '../kv/followKvKey.js';
import { streamExists } from '../transport/streamNotFound.js';

export interface KvRateLimitsOptions {
  readonly connection: NatsConnection;
  /** KV bucket (default `lucent-limits`); apart from the registry bucket, whose keys are function names. */
  readonly bucket?: string;
  /** Key of the document (default `rate-limits`). */
  readonly key?: string;
  /** Where a document that fails its checks is reported; the limits in force stay. */
  readonly logger?: Logger;
  /** Never create the bucket (read-only looks): open resolves undefined when it does not exist. */
  readonly bindOnly?: boolean;
}

/** KV bucket of a cluster's rate limits: `lucent-limits` for the default prefix `lucent` (`lucent limits` writes it). */
export function limitsBucketFor(prefix: string): string {
  return `${prefix.replace(/\./g, '-')}-limits`;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * `KvRateLimits.open({ connection })`, then `follow(limits)` on each node and `put(document)` from
 * any. A node starts with its configured limits; the stored document, once there is one, replaces
 * them, and every later put replaces it again. A deleted key leaves the last limits in force.
 */
export class KvRateLimits {
  private readonly watches: { stop(): void }[] = [];

  private constructor(
    private readonly kv: KV,
    private readonly key: string,
    private readonly logger: Logger | undefined,
  ) {}

  /** Open (creating when missing) the bucket. */
  static async open(options: KvRateLimitsOptions & { readonly bindOnly?: false }): Promise<KvRateLimits>;
  /** Open the bucket if it exists; undefined when it does not (no document: the configured limits are in force), and nothing is created. */
  static async open(options: KvRateLimitsOptions & { readonly bindOnly: true }): Promise<KvRateLimits | undefined>;
  static async open(options: KvRateLimitsOptions): Promise<KvRateLimits | undefined> {
    const bucket = options.bucket ?? 'lucent-limits';
    if (options.bindOnly === true && !(await streamExists(options.connection, `KV_${bucket}`))) return undefined;
    const kv = await options.connection.jetstream().views.kv(bucket, { history: 16 });
    return new KvRateLimits(kv, options.key ?? 'rate-limits', options.logger);
  }

  /** Checks the document and stores it; every node following the key applies it. Returns the KV revision. */
  async put(document: RateLimitsDocument): Promise<number> {
    return this.kv.put(this.key, encoder.encode(JSON.stringify(parseRateLimits(document))));
  }

  async get(): Promise<RateLimitsDocument | undefined> {
    const entry = await this.kv.get(this.key);
    return entry === null || entry.operation !== 'PUT' ? undefined : parseRateLimits(JSON.parse(decoder.decode(entry.value)));
  }

  /**
   * Apply the stored document and each later one to `limits`; resolves once the stored one (if any) is in
   * force. The watch is re-opened when it ends (a NATS server died), so the node never stops following.
   */
  async follow(limits: RateLimits): Promise<void> {
    const follower = await followKvKey(
      this.kv,
      this.key,
      (entry) => {
        if (entry.operation !== 'PUT') return;
        try {
          limits.update(JSON.parse(decoder.decode(entry.value)));
          this.logger?.info('Rate limits changed', { revision: entry.revision });
        } catch (error) {
          this.logger?.error('Rate limits document refused; the limits in force stay', {
            revision: entry.revision,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      },
      { what: 'rate limits', ...(this.logger === undefined ? {} : { logger: this.logger }) },
    );
    this.watches.push(follower);
  }

  /** Stops following; the connection belongs to the caller. */
  close(): void {
    for (const w of this.watches.splice(0)) w.stop();
  }
}
