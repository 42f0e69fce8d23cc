// Contracts are Standard Schema objects: zod, valibot and arktype work as they are.
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ValidationError, type FieldIssue } from '../errors/errors.js';

export type { StandardSchemaV1 };

/** A contract whose parsed value has type T. */
export type Contract<T = unknown> = StandardSchemaV1<unknown, T>;

export type ContractInput<C> = C extends StandardSchemaV1<infer I, unknown> ? I : never;
export type ContractOutput<C> = C extends StandardSchemaV1<unknown, infer O> ? O : never;

function issuePath(issue: StandardSchemaV1.Issue): string {
  if (!issue.path) return '';
  return issue.path
    .map((segment) => (typeof segment === 'object' && segment !== null ? String(segment.key) : String(segment)))
    .join('.');
}

export function toFieldIssues(issues: readonly StandardSchemaV1.Issue[]): FieldIssue[] {
  return issues.map((issue) => ({ path: issuePath(issue), message: issue.message }));
}

function settle<T>(
  result: StandardSchemaV1.Result<T>,
  where: ValidationError['where'],
  subject: string,
): T {
  if (result.issues) throw new ValidationError(where, subject, toFieldIssues(result.issues));
  return result.value;
}

/**
 * Validate `value` against a contract. Returns the parsed value synchronously when the
 * schema is synchronous (the common case, and the fast path), otherwise a promise.
 * Throws (or rejects with) a ValidationError naming each failing field.
 */
export function validate<T>(
  contract: Contract<T>,
  value: unknown,
  where: ValidationError['where'],
  subject: string,
): T | Promise<T> {
  const result = contract['~standard'].validate(value);
  if (result instanceof Promise) return result.then((r) => settle(r, where, subject));
  return settle(result, where, subject);
}

/** JSON Schema of a contract when its library implements Standard JSON Schema (zod 4 does). */
export function contractJsonSchema(contract: Contract, io: 'input' | 'output' = 'input'): Record<string, unknown> | undefined {
  const props = contract['~standard'] as StandardSchemaV1.Props & {
    jsonSchema?: { input(o: { target: string }): Record<string, unknown>; output(o: { target: string }): Record<string, unknown> };
  };
  if (!props.jsonSchema) return undefined;
  try {
    return props.jsonSchema[io]({ target: 'draft-2020-12' });
  } catch {
    return undefined;
  }
}

/** Deterministic JSON with sorted keys, so equal schemas give equal fingerprints. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}
