// Reads of one projection's views: a lone GET goes out at once; GETs that arrive while one is in flight leave together as one MGET.

/** How the gets reach Redis: one key, or several keys of one projection (one hash slot) at once. */
export interface ViewGetsRunner {
  one(key: string): Promise<string | null>;
  many(keys: readonly string[]): Promise<readonly (string | null)[]>;
}

export interface ViewGetsOptions {
  /** Keys of one MGET at most (default 256). */
  readonly maxBatch?: number;
}

interface Waiting {
  readonly key: string;
  readonly resolve: (text: string | null) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Batching of view reads, the way the event store groups appends. Under light load a read is one
 * GET, sent as soon as it is asked for: no added wait. While a read is at Redis, new ones queue;
 * when it answers, the queue leaves as one MGET, so concurrent queries pay one write and one read
 * on the socket between them instead of one each. An MGET that fails fails each of
 * its reads with the same error (as the GET each would have sent).
 */
export class ViewGets {
  private readonly queue: Waiting[] = [];
  /** A GET or MGET is at Redis. */
  private busy = false;
  private readonly maxBatch: number;
  /** MGETs sent with two or more keys, and the keys they held (for tests and the bench). */
  batches = 0;
  batched = 0;

  constructor(
    private readonly runner: ViewGetsRunner,
    options: ViewGetsOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 256);
  }

  get(key: string): Promise<string | null> {
    if (!this.busy) {
      this.busy = true;
      return this.runner.one(key).finally(() => this.done());
    }
    return new Promise<string | null>((resolve, reject) => {
      this.queue.push({ key, resolve, reject });
    });
  }

  private done(): void {
    this.busy = false;
    if (this.queue.length > 0) this.send(this.queue.splice(0, this.maxBatch));
  }

  private send(waiting: Waiting[]): void {
    this.busy = true;
    const keys = waiting.map((w) => w.key);
    const sent = keys.length === 1 ? this.runner.one(keys[0] as string).then((text) => [text]) : this.runner.many(keys);
    // The slot is free again before the callers resume, so a read they ask next does not queue behind nothing.
    sent.then(
      (texts) => {
        if (keys.length > 1) {
          this.batches++;
          this.batched += keys.length;
        }
        this.done();
        waiting.forEach((w, i) => w.resolve(texts[i] ?? null));
      },
      (error: unknown) => {
        this.done();
        for (const w of waiting) w.reject(error);
      },
    );
  }
}
