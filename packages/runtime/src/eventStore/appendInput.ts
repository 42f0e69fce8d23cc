// Checks every store runs before an append, so bad events fail the same way everywhere and nothing is written.
import { ValidationError, type FieldIssue } from '@lucent/core';
import type { AppendOptions, ExpectedVersion, NewEvent } from './eventStore.js';

/** Default cap on one event's serialized data plus metadata. */
export const defaultMaxEventBytes = 1024 * 1024;

export interface PreparedEvent {
  readonly id: string;
  readonly type: string;
  /** Data and metadata as JSON text, checked once here and reused by SQL stores. */
  readonly dataJson: string;
  readonly metadataJson: string;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkExpected(expected: ExpectedVersion | undefined, issues: FieldIssue[]): void {
  if (expected === undefined || expected === 'any' || expected === 'noStream' || expected === 'streamExists') return;
  if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 0) {
    issues.push({ path: 'expectedVersion', message: 'must be any, noStream, streamExists or a version >= 0' });
  }
}

/**
 * Validate a stream name, events and options; serialize each event once.
 * Throws ValidationError (VALIDATION_FAILED) naming the first bad field.
 */
export function prepareAppend(
  stream: unknown,
  events: unknown,
  options: AppendOptions | undefined,
  newId: () => string,
  maxEventBytes: number = defaultMaxEventBytes,
): PreparedEvent[] {
  const issues: FieldIssue[] = [];
  if (typeof stream !== 'string' || stream.length === 0 || stream.length > 512) {
    issues.push({ path: 'stream', message: 'must be a non-empty string of at most 512 characters' });
  }
  checkExpected(options?.expectedVersion, issues);
  const key = options?.idempotencyKey;
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 512)) {
    issues.push({ path: 'idempotencyKey', message: 'must be a non-empty string of at most 512 characters' });
  }
  if (!Array.isArray(events) || events.length === 0) {
    issues.push({ path: 'events', message: 'must be a non-empty array' });
  }
  const prepared: PreparedEvent[] = [];
  if (issues.length === 0) {
    (events as unknown[]).forEach((raw, i) => {
      const at = `events.${i}`;
      if (!isPlainObject(raw)) {
        issues.push({ path: at, message: 'must be an object { type, data }' });
        return;
      }
      const e = raw as Partial<NewEvent> & Record<string, unknown>;
      if (typeof e.type !== 'string' || e.type.length === 0 || e.type.length > 200) {
        issues.push({ path: `${at}.type`, message: 'must be a non-empty string of at most 200 characters' });
      }
      if (e.data === undefined) issues.push({ path: `${at}.data`, message: 'is required (use null for no data)' });
      if (e.metadata !== undefined && !isPlainObject(e.metadata)) {
        issues.push({ path: `${at}.metadata`, message: 'must be an object' });
      }
      if (e.id !== undefined && (typeof e.id !== 'string' || !uuidPattern.test(e.id))) {
        issues.push({ path: `${at}.id`, message: 'must be a UUID' });
      }
      let dataJson = '';
      let metadataJson = '';
      try {
        dataJson = JSON.stringify(e.data ?? null);
        metadataJson = JSON.stringify(e.metadata ?? {});
      } catch (error) {
        issues.push({ path: `${at}.data`, message: `is not serializable as JSON: ${String(error)}` });
        return;
      }
      // The string length is a lower bound of the UTF-8 size; measure exactly only when close.
      const size = dataJson.length + metadataJson.length;
      if (size > maxEventBytes / 4 && Buffer.byteLength(dataJson) + Buffer.byteLength(metadataJson) > maxEventBytes) {
        issues.push({ path: `${at}.data`, message: `is larger than the ${maxEventBytes}-byte limit per event` });
        return;
      }
      // PostgreSQL jsonb rejects the NUL character; refuse it here so every store agrees.
      if (dataJson.includes('\\u0000') || metadataJson.includes('\\u0000')) {
        issues.push({ path: `${at}.data`, message: 'must not contain the NUL character' });
        return;
      }
      prepared.push({ id: e.id ?? newId(), type: e.type as string, dataJson, metadataJson });
    });
  }
  if (issues.length > 0) throw new ValidationError('event', typeof stream === 'string' ? stream : 'append', issues);
  return prepared;
}
