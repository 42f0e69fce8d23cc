// Whether an outside arrival's payload satisfies a saga wait's conditions (key and timing are the scheduler's to judge).
import type { FieldCondition } from './sagaDefinition.js';
import type { ArmedWait } from './sagaRecords.js';

function fieldHolds(value: unknown, c: FieldCondition): boolean {
  if (c.eq !== undefined && value !== c.eq) return false;
  if (c.gte !== undefined && !(typeof value === 'number' && value >= c.gte)) return false;
  if (c.lte !== undefined && !(typeof value === 'number' && value <= c.lte)) return false;
  return true;
}

export function payloadSatisfies(where: ArmedWait['where'], payload: unknown): boolean {
  if (where === undefined) return true;
  if (typeof payload !== 'object' || payload === null) return false;
  return Object.entries(where).every(([field, c]) => fieldHolds((payload as Record<string, unknown>)[field], c));
}
