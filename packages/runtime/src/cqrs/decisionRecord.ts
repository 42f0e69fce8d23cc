// What DeciderCommandHandler writes into the metadata of an appended batch so the decision can be replayed.
import type { BusinessMetadata } from '@lucent/core';
import type { EventMetadata } from '../eventStore/eventStore.js';

/**
 * Everything a pure decision saw besides the folded state: enough to run it again and get the
 * same events. Written on the first event of the batch only; the batch is `batchSize` events long.
 */
export interface DecisionRecord {
  /** The decision function's registered name. */
  readonly function: string;
  /** The version that actually ran (after registry rules chose one). */
  readonly version: string;
  /** The command as handed to the handler, before the contract parsed it. */
  readonly command: unknown;
  /** The clock reading the function got from ctx.now(). */
  readonly now: number;
  /** Seed of ctx.random() and ctx.newId(). */
  readonly seed: string;
  /** The try that won the append (ctx.execution.attempt). */
  readonly attempt: number;
  /** How many events this decision appended, the first one carrying this record. */
  readonly batchSize: number;
  /** ctx.business, when the command carried any. */
  readonly business?: BusinessMetadata;
}

/** The metadata key under which the record is stored. */
export const decisionMetadataKey = 'decision';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The decision record in an event's metadata, or undefined when it has none (written by something
 * other than the handler, or before recording existed) or when it is not shaped like one.
 */
export function decisionRecordOf(metadata: EventMetadata | undefined): DecisionRecord | undefined {
  const r = metadata?.[decisionMetadataKey];
  if (!isObject(r)) return undefined;
  const ok =
    typeof r['function'] === 'string' &&
    typeof r['version'] === 'string' &&
    'command' in r &&
    typeof r['now'] === 'number' &&
    typeof r['seed'] === 'string' &&
    typeof r['attempt'] === 'number' &&
    Number.isInteger(r['batchSize']) &&
    (r['batchSize'] as number) > 0 &&
    (r['business'] === undefined || isObject(r['business']));
  return ok ? (r as unknown as DecisionRecord) : undefined;
}
