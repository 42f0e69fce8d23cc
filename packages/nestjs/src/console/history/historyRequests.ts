// The history endpoints' queries and bodies as zod contracts: a bad value is a 400 naming the field (through ContractPipe).
import { z } from 'zod';
import { sagaStatuses } from '@lucent/runtime';

/** A whole number in a query string, within bounds. */
const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const name = z.string().min(1, 'must not be empty').max(500, 'must be at most 500 characters');

export const sagaListQuery = z.strictObject({
  state: z.enum(sagaStatuses as [string, ...string[]], `must be one of ${sagaStatuses.join(', ')}`).optional(),
  type: name.optional(),
  limit: whole(1, 1_000).optional(),
});

export const eventsQuery = z.strictObject({
  /** Inclusive global position to start from (default 1: the first event). */
  from: whole(0, Number.MAX_SAFE_INTEGER).optional(),
  limit: whole(1, 1_000).optional(),
});

export const streamQuery = z.strictObject({
  /** Inclusive stream version to start from (default 1). */
  from: whole(0, Number.MAX_SAFE_INTEGER).optional(),
  limit: whole(1, 1_000).optional(),
});

export const replayBody = z.strictObject({
  streamId: name,
  function: name,
  version: name,
});

export type SagaListQuery = z.output<typeof sagaListQuery>;
export type EventsQuery = z.output<typeof eventsQuery>;
export type StreamQuery = z.output<typeof streamQuery>;
export type ReplayBody = z.output<typeof replayBody>;
