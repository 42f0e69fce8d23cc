// Per-saga chains of work: one saga's steps run one at a time in this process, different sagas side by side.

/** A promise chain per saga id; a chain is dropped once its last piece of work has settled. */
export class SagaQueues {
  private readonly chains = new Map<string, Promise<void>>();

  /** Run `fn` after everything queued for `sagaId` before it (whether that succeeded or failed). */
  enqueue<T>(sagaId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(sagaId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(sagaId, tail);
    void tail.then(() => {
      if (this.chains.get(sagaId) === tail) this.chains.delete(sagaId);
    });
    return run;
  }

  /** Resolves when no work is queued for any saga (work queued meanwhile is waited for too). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()]);
  }

  /** True while any saga has work queued or running. */
  get busy(): boolean {
    return this.chains.size > 0;
  }
}
