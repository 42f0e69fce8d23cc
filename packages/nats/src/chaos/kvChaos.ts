// The chaos document kept in a NATS KV key and watched by every node: `lucent chaos set` reaches each node's Chaos without a restart.
import type { KV, NatsConnection } from 'nats';
import type { Logger } from '@lucent/core';
import { followKvKey } from '../kv/followKvKey.js';
import { streamExists } from '../transport/streamNotFound.js';
import { parseChaosDocument, type Chaos, type ChaosDocument } from '@lucent/runtime';

export interface KvChaosOptions {
  readonly connection: NatsConnection;
  /** KV bucket; `chaosBucketFor(prefix)` names a cluster's (default `lucent-chaos`). */
  readonly bucket?: string;
  /** Key of the document (default `chaos`). */
  readonly key?: string;
  /** Where changes are logged, and documents refused (malformed, or chaos not allowed here). */
  readonly logger?: Logger;
  /** Never create the bucket (read-only looks): open resolves undefined when it does not exist. */
  readonly bindOnly?: boolean;
}

/** KV bucket of a cluster's chaos document: `lucent-chaos` for the default prefix `lucent`. */
export function chaosBucketFor(prefix: string): string {
  return `${prefix.replace(/\./g, '-')}-chaos`;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * `KvChaos.open({ connection })`, then `follow(chaos)` on each node and `put`/`clear` from any.
 * Unlike rate limits, a deleted key is chaos off: whatever happens to the key, no node keeps
 * injecting faults nobody can see in the store.
 */
export class KvChaos {
  private readonly watches: { stop(): void }[] = [];

  private constructor(
    private readonly kv: KV,
    private readonly key: string,
    private readonly logger: Logger | undefined,
  ) {}

  /** Open (creating when missing) the bucket. */
  static async open(options: KvChaosOptions & { readonly bindOnly?: false }): Promise<KvChaos>;
  /** Open the bucket if it exists; undefined when it does not (no document: chaos off), and nothing is created. */
  static async open(options: KvChaosOptions & { readonly bindOnly: true }): Promise<KvChaos | undefined>;
  static async open(options: KvChaosOptions): Promise<KvChaos | undefined> {
    const bucket = options.bucket ?? 'lucent-chaos';
    if (options.bindOnly === true && !(await streamExists(options.connection, `KV_${bucket}`))) return undefined;
    const kv = await options.connection.jetstream().views.kv(bucket, { history: 16 });
    return new KvChaos(kv, options.key ?? 'chaos', options.logger);
  }

  /** Checks the document and stores it; every node following the key applies it. Returns the KV revision. */
  async put(document: ChaosDocument): Promise<number> {
    return this.kv.put(this.key, encoder.encode(JSON.stringify(parseChaosDocument(document))));
  }

  /** The document in the store; `{}` when there is none (chaos off). */
  async get(): Promise<ChaosDocument> {
    const entry = await this.kv.get(this.key);
    return entry === null || entry.operation !== 'PUT' ? {} : parseChaosDocument(JSON.parse(decoder.decode(entry.value)));
  }

  /** Chaos off on every following node. */
  async clear(): Promise<void> {
    await this.kv.delete(this.key);
  }

  /**
   * Apply the stored document and each later one to `chaos`; resolves once the stored one (if any) is in
   * force. The watch is re-opened when it ends (a NATS server died), so the node never stops following.
   */
  async follow(chaos: Chaos): Promise<void> {
    const follower = await followKvKey(
      this.kv,
      this.key,
      (entry) => {
        try {
          const document = entry.operation === 'PUT' ? (JSON.parse(decoder.decode(entry.value)) as unknown) : {};
          const was = chaos.active;
          chaos.update(document);
          if (chaos.active) this.logger?.warn('Chaos on: faults are being injected', { revision: entry.revision, chaos: document });
          else if (was) this.logger?.info('Chaos off', { revision: entry.revision });
        } catch (error) {
          this.logger?.error('Chaos document refused; chaos in force stays', {
            revision: entry.revision,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      },
      { what: 'chaos document', ...(this.logger === undefined ? {} : { logger: this.logger }) },
    );
    this.watches.push(follower);
  }

  /** Stops following; the connection belongs to the caller. */
  close(): void {
    for (const w of this.watches.splice(0)) w.stop();
  }
}
