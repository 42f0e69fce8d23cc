// Schemas for what a saga runner reads back from storage: its stream's records, its index events and its timer payloads.
import { toFieldIssues, ValidationError, type SagaRecord, type SagaStatus } from '@lucent/core';
import { z } from 'zod';

// The types live in core, which stays free of runtime dependencies; these schemas check the same
// shapes where they cross back into a process (an event store, the scheduler's timer store). A
// record that fails here was written by something else or corrupted: folding it would make up a
// saga state, so it is refused with the field named instead.

const epochMs = z.number({ error: 'must be epoch ms' }).refine(Number.isFinite, { error: 'must be epoch ms' });
const count = z.int({ error: 'must be a whole number' }).min(0, { error: 'must be a whole number' });
const name = z.string({ error: 'must be a string' });
/** A command as recorded: any JSON object with a string `type` (the rest is the author's). */
const command = z.looseObject({ type: z.string({ error: 'must name the command type' }) }, { error: 'must be a command object' });
const storedError = z.looseObject({ code: z.string({ error: 'must be an error code' }), message: z.string({ error: 'must be a message' }) }, { error: 'must be a stored error' });
const fieldCondition = z.object({
  eq: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  gte: z.number().optional(),
  lte: z.number().optional(),
});

const advanced = z.object({
  trigger: z.object({ type: name, data: z.unknown(), at: epochMs }),
  state: z.unknown(),
  issued: z.array(z.object({ step: count, command, deadline: epochMs })),
  timers: z.array(z.object({ name, dueAt: epochMs })),
  cancelTimers: z.array(name),
  waits: z.array(z.object({ key: name, registeredAt: epochMs, dueAt: epochMs, where: z.record(z.string(), fieldCondition).optional() })),
  compensations: z.array(command),
  complete: z.boolean({ error: 'must be true or false' }),
  fail: name.optional(),
});

const attemptFailed = { attempt: count, error: storedError, retryAt: epochMs, at: epochMs };

/** One record of a saga's stream. */
export const SagaRecordSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('SagaStarted'), data: z.object({ sagaType: name, input: z.unknown(), at: epochMs }) }),
    z.object({ type: z.literal('SagaAdvanced'), data: advanced }),
    z.object({ type: z.literal('SagaStepAttemptFailed'), data: z.object({ step: count, ...attemptFailed }) }),
    z.object({ type: z.literal('SagaCompensated'), data: z.object({ index: count, at: epochMs }) }),
    z.object({ type: z.literal('SagaCompensationAttemptFailed'), data: z.object({ index: count, ...attemptFailed }) }),
    z.object({ type: z.literal('SagaCompensationGaveUp'), data: z.object({ index: count, error: storedError, at: epochMs }) }),
  ],
  { error: 'must be a saga record type' },
);

const statuses = ['running', 'compensating', 'completed', 'compensated', 'failed'] as const satisfies readonly SagaStatus[];

/** The events of a runner's index stream (`<name>.index`). */
export const SagaIndexEventSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('SagaOpened'), data: z.object({ sagaId: name, sagaType: name }) }),
    z.object({ type: z.literal('SagaClosed'), data: z.object({ sagaId: name, status: z.enum(statuses, { error: 'must be a saga status' }) }) }),
    z.object({ type: z.literal('SagaIndexSnapshot'), data: z.object({ open: z.array(name) }) }),
  ],
  { error: 'must be SagaOpened, SagaClosed or SagaIndexSnapshot' },
);
export type SagaIndexEvent = z.output<typeof SagaIndexEventSchema>;

/** The payload of a saga's wake-up timer. */
export const WakePayloadSchema = z.object({ sagaId: name });
/** The payload of a saga's external wait registration. */
export const WaitPayloadSchema = z.object({ sagaId: name, key: name, registeredAt: epochMs, attempt: count });

interface Stored {
  readonly type: string;
  readonly data: unknown;
  readonly stream?: string;
  readonly streamVersion?: number;
}

function parseStored<S extends z.ZodType>(schema: S, event: Stored, what: string): z.output<S> {
  const result = schema.safeParse({ type: event.type, data: event.data });
  if (result.success) return result.data;
  const at = event.stream === undefined ? what : `${what} ${event.stream}@${event.streamVersion ?? '?'}`;
  throw new ValidationError('event', at, toFieldIssues(result.error.issues));
}

/** A stored saga record, checked; a ValidationError names the stream, version and field otherwise. */
export function parseSagaRecord(event: Stored): SagaRecord {
  // The schema's commands and errors are looser than core's types on purpose (a newer error code, a
  // command's own fields); the checked shape is the one foldSaga reads.
  return parseStored(SagaRecordSchema, event, 'saga record') as SagaRecord;
}

/** A stored index event, checked. */
export function parseSagaIndexEvent(event: Stored): SagaIndexEvent {
  return parseStored(SagaIndexEventSchema, event, 'saga index event');
}

/** A timer payload from the scheduler's store, checked; `handler` names it in the error. */
export function parseTimerPayload<S extends typeof WakePayloadSchema | typeof WaitPayloadSchema>(schema: S, payload: unknown, handler: string): z.output<S> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data as z.output<S>;
  throw new ValidationError('event', `timer payload of ${handler}`, toFieldIssues(result.error.issues).map((i) => ({ ...i, path: i.path === '' ? 'payload' : `payload.${i.path}` })));
}
