// The projection store port: keyed views plus a checkpoint per generation, written together or not at all.
import type { ViewRecord } from '@lucent/core';

export interface ProjectionStore {
  /** The generation queries read (1 until a rebuild switches it). */
  activeGeneration(projection: string): Promise<number>;
  activate(projection: string, generation: number): Promise<void>;
  /** Global position of the last event folded into this generation, 0 when empty. */
  checkpoint(projection: string, generation: number): Promise<number>;
  load<V>(projection: string, generation: number, keys: readonly string[]): Promise<Map<string, ViewRecord<V>>>;
  /**
   * Write `views` and move the checkpoint from `expected` to `next` atomically. Returns false and
   * writes nothing when the checkpoint is not `expected` (another projector got there first).
   */
  commit<V>(
    projection: string,
    generation: number,
    expected: number,
    next: number,
    views: ReadonlyMap<string, ViewRecord<V>>,
  ): Promise<boolean>;
  dropGeneration(projection: string, generation: number): Promise<void>;
  /** The view of `key` in the active generation; what query handlers call. */
  get<V>(projection: string, key: string): Promise<V | undefined>;
  close(): Promise<void>;
}
