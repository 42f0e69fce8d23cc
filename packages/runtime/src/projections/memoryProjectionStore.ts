// In-memory projection store: the embedded default and the twin of the Redis store.
import type { ViewRecord } from '@lucent/core';
import type { ProjectionStore } from './projectionStore.js';

interface Generation {
  checkpoint: number;
  readonly views: Map<string, string>;
}

export class MemoryProjectionStore implements ProjectionStore {
  private readonly active = new Map<string, number>();
  private readonly generations = new Map<string, Generation>();

  private gen(projection: string, generation: number): Generation {
    const id = `${projection}\u0000${generation}`;
    let g = this.generations.get(id);
    if (!g) {
      g = { checkpoint: 0, views: new Map() };
      this.generations.set(id, g);
    }
    return g;
  }

  activeGeneration(projection: string): Promise<number> {
    return Promise.resolve(this.active.get(projection) ?? 1);
  }

  activate(projection: string, generation: number): Promise<void> {
    this.active.set(projection, generation);
    return Promise.resolve();
  }

  checkpoint(projection: string, generation: number): Promise<number> {
    return Promise.resolve(this.gen(projection, generation).checkpoint);
  }

  load<V>(projection: string, generation: number, keys: readonly string[]): Promise<Map<string, ViewRecord<V>>> {
    const g = this.gen(projection, generation);
    const out = new Map<string, ViewRecord<V>>();
    for (const k of keys) {
      const text = g.views.get(k);
      // Views are kept as JSON so a caller mutating a returned view cannot change the stored one.
      if (text !== undefined) out.set(k, JSON.parse(text) as ViewRecord<V>);
    }
    return Promise.resolve(out);
  }

  commit<V>(
    projection: string,
    generation: number,
    expected: number,
    next: number,
    views: ReadonlyMap<string, ViewRecord<V>>,
  ): Promise<boolean> {
    const g = this.gen(projection, generation);
    if (g.checkpoint !== expected) return Promise.resolve(false);
    for (const [k, r] of views) g.views.set(k, JSON.stringify(r));
    g.checkpoint = next;
    return Promise.resolve(true);
  }

  dropGeneration(projection: string, generation: number): Promise<void> {
    this.generations.delete(`${projection}\u0000${generation}`);
    return Promise.resolve();
  }

  get<V>(projection: string, key: string): Promise<V | undefined> {
    const g = this.generations.get(`${projection}\u0000${this.active.get(projection) ?? 1}`);
    const text = g?.views.get(key);
    return Promise.resolve(text === undefined ? undefined : (JSON.parse(text) as ViewRecord<V>).view);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
