// Rate limits kept in a NATS KV key and watched by every node: an operator's put reaches each node's RateLimits without a restart.
import { KvWatchInclude, type KV, type NatsConnection } from 'nats';
import type { Logger } from '@lucent/core';
import { parseRateLimits, type RateLimits, type RateLimitsDocument } from '@lucent/runtime';

export interface KvRateLimitsOptions {
  readonly connection: NatsConnection;
  /** KV bucket (default `lucent-limits`); apart from the registry bucket, whose keys are function names. */
  readonly bucket?: string;
  /** Key of the document (default `rate-limits`). */
  readonly key?: string;
  /** Where a document that fails its checks is reported; the limits in force stay. */
  readonly logger?: Logger;
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

  static async open(options: KvRateLimitsOptions): Promise<KvRateLimits> {
    const kv = await options.connection.jetstream().views.kv(options.bucket ?? 'lucent-limits', { history: 16 });
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

  /** Apply the stored document and each later one to `limits`; resolves once the stored one (if any) is in force. */
  async follow(limits: RateLimits): Promise<void> {
    let ready: () => void = () => undefined;
    const initialised = new Promise<void>((resolve) => (ready = resolve));
    const iter = await this.kv.watch({ key: this.key, include: KvWatchInclude.LastValue, initializedFn: () => ready() });
    this.watches.push(iter);
    void (async () => {
      for await (const entry of iter) {
        if (entry.operation !== 'PUT') continue;
        try {
          limits.update(JSON.parse(decoder.decode(entry.value)));
          this.logger?.info('Rate limits changed', { revision: entry.revision });
        } catch (error) {
          this.logger?.error('Rate limits document refused; the limits in force stay', {
            revision: entry.revision,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
    })();
    await initialised;
  }

  /** Stops following; the connection belongs to the caller. */
  close(): void {
    for (const w of this.watches.splice(0)) w.stop();
  }
}
