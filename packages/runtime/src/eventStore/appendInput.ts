// Checks every store runs before an append or a read, so bad input fails the same way everywhere and nothing is written.
import { createHash, randomUUID } from 'node:crypto';
import { ValidationError, type FieldIssue } from '@lucent/core';
import type { AppendOptions, ExpectedVersion, NewEvent, ReadAllOptions, ReadStreamOptions, SubscribeOptions } from './eventStore.js';

/** Default cap on one event's serialized data plus metadata. */
export const defaultMaxEventBytes = 1024 * 1024;

export interface PreparedEvent {
  /** The caller's id (lower-cased), or a fresh one. */
  readonly id: string;
  /** True when the caller gave the id: only then is it part of the idempotency fingerprint. */
  readonly idGiven: boolean;
  readonly type: string;
  /** Data and metadata as JSON text, checked once here and reused by SQL stores. */
  readonly dataJson: string;
  readonly metadataJson: string;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids the store generates lie in a range of their own: UUID version 8 whose first 48 bits spell
 * "Lucent" in ASCII, then 74 random bits (from randomUUID). A caller may not give an id in this
 * range, so a generated id can never meet a caller's id, and two generated ids are unique by
 * their randomness alone. That lets the SQL stores index only the ids callers give (migration 4),
 * which keeps appends without ids as fast as before.
 */
export const generatedIdPrefix = '4c556365-6e74-8';

/** A new event id in the generated range. */
export function newEventId(): string {
  return `${generatedIdPrefix}${randomUUID().slice(15)}`;
}

/** True for an id in the range the store generates from (case-insensitive). */
export function isGeneratedEventId(id: string): boolean {
  return id.length === 36 && id.slice(0, 15).toLowerCase() === generatedIdPrefix;
}

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
  newId: () => string = newEventId,
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
  const payload = options?.idempotencyPayload;
  if (payload !== undefined) {
    if (key === undefined) issues.push({ path: 'idempotencyPayload', message: 'needs an idempotencyKey' });
    let json: string | undefined;
    try {
      json = JSON.stringify(payload);
    } catch {
      json = undefined;
    }
    if (json === undefined) issues.push({ path: 'idempotencyPayload', message: 'must be serializable as JSON' });
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
      } else if (e.id !== undefined && isGeneratedEventId(e.id)) {
        issues.push({
          path: `${at}.id`,
          message: `is in the range of ids the store generates (${generatedIdPrefix}…): omit it to get a new one`,
        });
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
      const given = typeof e.id === 'string';
      prepared.push({ id: given ? (e.id as string).toLowerCase() : newId(), idGiven: given, type: e.type as string, dataJson, metadataJson });
    });
    checkUniqueIds(prepared, issues);
  }
  if (issues.length > 0) throw new ValidationError('event', typeof stream === 'string' ? stream : 'append', issues);
  return prepared;
}

/** An id may appear once in a stream, so twice in one batch is refused before any I/O. */
function checkUniqueIds(prepared: readonly PreparedEvent[], issues: FieldIssue[]): void {
  if (prepared.length < 2 || !prepared.some((e) => e.idGiven)) return;
  const first = new Map<string, number>();
  prepared.forEach((e, i) => {
    const seen = first.get(e.id);
    if (seen === undefined) first.set(e.id, i);
    else issues.push({ path: `events.${i}.id`, message: `repeats the id of events.${seen} (an id may appear once per stream)` });
  });
}

/**
 * JSON text of a JSON value (as JSON.parse returns it) with object keys sorted at every depth, so
 * two values that differ only in key order get the same text.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/**
 * What a stored idempotency key is compared with when it comes back (SHA-256, hex). By default the
 * batch as the append received it: each event's type, data and metadata as JSON values (key order
 * ignored; metadata absent = {}) and its id when the caller gave one (ids the store generated are
 * left out, so a retry without ids matches). With `idempotencyPayload`, that value instead. The
 * stream is compared separately; the expected version is not compared (a retry after a lost
 * answer carries a stale one). Computed only when the append has an idempotency key.
 */
export function idempotencyFingerprint(prepared: readonly PreparedEvent[], options: AppendOptions | undefined): string {
  const hash = createHash('sha256');
  const payload = options?.idempotencyPayload;
  if (payload !== undefined) {
    hash.update('payload\n').update(canonicalJson(JSON.parse(JSON.stringify(payload)) as unknown));
  } else {
    hash.update('events\n');
    for (const e of prepared) {
      const data = canonicalJson(JSON.parse(e.dataJson) as unknown);
      const metadata = canonicalJson(JSON.parse(e.metadataJson) as unknown);
      hash.update(`${JSON.stringify(e.type)},${e.idGiven ? e.id : '-'},${data},${metadata}\n`);
    }
  }
  return hash.digest('hex');
}

const readStreamKeys = new Set(['direction', 'fromVersion', 'maxCount']);
const readAllKeys = new Set(['after', 'maxCount']);
const subscribeKeys = new Set(['subscriberId', 'after', 'batchSize', 'pollIntervalMs', 'handler', 'onError']);
const nonNegative = 'must be a non-negative integer';

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isName = (v: unknown): boolean => typeof v === 'string' && v.length > 0 && v.length <= 512;

/** Options must be an object (or absent) naming only known options; returns it as a record. */
function checkShape(options: unknown, known: ReadonlySet<string>, issues: FieldIssue[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    issues.push({ path: '', message: 'options must be an object' });
    return {};
  }
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!known.has(k) && o[k] !== undefined) issues.push({ path: k, message: `is not an option here (known: ${[...known].join(', ')})` });
  }
  return o;
}

function count(o: Record<string, unknown>, name: string, issues: FieldIssue[], min = 0): void {
  const v = o[name];
  if (v === undefined) return;
  if (min === 0 ? !isCount(v) : !isCount(v) || (v as number) < min) {
    issues.push({ path: name, message: min === 0 ? nonNegative : `must be an integer >= ${min}` });
  }
}

function fail(subject: string, issues: readonly FieldIssue[]): void {
  if (issues.length > 0) throw new ValidationError('input', subject, issues);
}

/** Stream name of a read: the rule of an append (a non-empty string of at most 512 characters). */
export function checkStreamName(stream: unknown, subject: string): void {
  if (!isName(stream)) fail(subject, [{ path: 'stream', message: 'must be a non-empty string of at most 512 characters' }]);
}

/**
 * readStream's options: direction forwards|backwards, fromVersion and maxCount non-negative
 * integers, nothing else. Throws ValidationError (VALIDATION_FAILED) naming each bad option.
 */
export function checkReadStream(stream: unknown, options: ReadStreamOptions | undefined): void {
  checkStreamName(stream, 'readStream');
  const issues: FieldIssue[] = [];
  const o = checkShape(options, readStreamKeys, issues);
  if (o['direction'] !== undefined && o['direction'] !== 'forwards' && o['direction'] !== 'backwards') {
    issues.push({ path: 'direction', message: 'must be forwards or backwards' });
  }
  count(o, 'fromVersion', issues);
  count(o, 'maxCount', issues);
  fail('readStream', issues);
}

/** readAll's options: after and maxCount non-negative integers, nothing else. */
export function checkReadAll(options: ReadAllOptions | undefined): void {
  const issues: FieldIssue[] = [];
  const o = checkShape(options, readAllKeys, issues);
  count(o, 'after', issues);
  count(o, 'maxCount', issues);
  fail('readAll', issues);
}

/** subscribe's options: a handler, after >= 0, batchSize >= 1, pollIntervalMs > 0, a subscriberId name. */
export function checkSubscribe(options: SubscribeOptions): void {
  const issues: FieldIssue[] = [];
  const o = checkShape(options, subscribeKeys, issues);
  if (typeof o['handler'] !== 'function') issues.push({ path: 'handler', message: 'must be a function' });
  if (o['onError'] !== undefined && typeof o['onError'] !== 'function') issues.push({ path: 'onError', message: 'must be a function' });
  if (o['subscriberId'] !== undefined && !isName(o['subscriberId'])) {
    issues.push({ path: 'subscriberId', message: 'must be a non-empty string of at most 512 characters' });
  }
  count(o, 'after', issues);
  count(o, 'batchSize', issues, 1);
  const poll = o['pollIntervalMs'];
  if (poll !== undefined && !(typeof poll === 'number' && Number.isFinite(poll) && poll > 0)) {
    issues.push({ path: 'pollIntervalMs', message: 'must be a positive number of milliseconds' });
  }
  fail('subscribe', issues);
}

/** A checkpoint's subscriber id: a non-empty string of at most 512 characters. */
export function checkSubscriberId(subscriberId: unknown): void {
  if (!isName(subscriberId)) fail('checkpoint', [{ path: 'subscriberId', message: 'must be a non-empty string of at most 512 characters' }]);
}

/** A checkpoint to save: a subscriber id and a position that is a non-negative integer. */
export function checkSaveCheckpoint(subscriberId: unknown, position: unknown): void {
  checkSubscriberId(subscriberId);
  if (!isCount(position)) fail('checkpoint', [{ path: 'position', message: nonNegative }]);
}
