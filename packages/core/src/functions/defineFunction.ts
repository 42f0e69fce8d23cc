// defineFunction: a pure, typed function plus the metadata the shell routes it by.
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { FunctionContext } from '../context/functionContext.js';
import type { Contract } from '../contracts/contract.js';
import type { JurisdictionRules } from '../registry/functionRules.js';
import { normaliseJurisdictionRules } from '../registry/jurisdictions.js';
import type { CallFact } from '../routing/callFact.js';
import type { Priority, ResourceClass } from './functionTraits.js';

export type { Priority, ResourceClass } from './functionTraits.js';

/** @deprecated The same type as the registry's: use `JurisdictionRules`. */
export type JurisdictionRule = JurisdictionRules;

export interface FunctionMeta {
  readonly description?: string;
  /** Shard tags this function prefers or requires (e.g. 'aave', 'arbitrage'). */
  readonly shardAffinity?: readonly string[];
  readonly resources?: ResourceClass;
  readonly priority?: Priority;
  /** Default budget for one call when the caller gives no deadline. */
  readonly timeoutMs?: number;
  /** Run off the event loop, in a worker thread that can be terminated at the deadline. */
  readonly heavy?: boolean;
  /** Who may call, checked after the registry's rules by the same `jurisdictionAllowed`. */
  readonly jurisdictions?: JurisdictionRules;
  readonly tags?: readonly string[];
  /**
   * The facts placement rules test, read from a call's (validated) input: e.g. a trade's
   * `{ notional: quantity * priceUsd }`, which a registry route sends to the `whale` shard.
   * Pure and cheap; the invoker calls it only when the caller passed no facts of its own.
   */
  // The definition erases its input type; `FunctionSpec` below types the parameter.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly routingFacts?: (input: any) => Readonly<Record<string, CallFact>>;
}

export type Handler<In, Out> = (input: In, ctx: FunctionContext) => Out | Promise<Out>;

/** A registered function: contracts, metadata and the pure handler. */
export interface FunctionDefinition<Name extends string = string, In = unknown, Out = unknown> {
  readonly kind: 'lucent.function';
  readonly name: Name;
  readonly version: string;
  readonly input: Contract<In>;
  readonly output: Contract<Out>;
  readonly meta: FunctionMeta;
  readonly handler: Handler<In, Out>;
}

// `any` here only widens the variance so any definition fits a map; no value is typed any.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunctionDefinition = FunctionDefinition<string, any, any>;

export type InputOf<F> = F extends FunctionDefinition<string, infer In, infer _Out> ? In : never;
export type OutputOf<F> = F extends FunctionDefinition<string, infer _In, infer Out> ? Out : never;

export interface FunctionSpec<Name extends string, I extends StandardSchemaV1, O extends StandardSchemaV1>
  extends FunctionMeta {
  readonly name: Name;
  /** Semantic version, e.g. '1.2.0'. */
  readonly version: string;
  readonly input: I;
  readonly output: O;
  // Method syntax on purpose: it keeps the spec assignable to its erased form (parameters stay bivariant).
  routingFacts?(input: StandardSchemaV1.InferOutput<I>): Readonly<Record<string, CallFact>>;
}

const namePattern = /^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)+$/;
const versionPattern = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** Check a spec at definition time, so a bad name fails when the module loads, not in production. */
export function checkSpec(spec: { name: string; version: string; input: unknown; output: unknown }): void {
  if (!namePattern.test(spec.name)) {
    throw new TypeError(`Function name "${spec.name}" must be dotted camelCase like "risk.healthFactor"`);
  }
  if (!versionPattern.test(spec.version)) {
    throw new TypeError(`Function ${spec.name}: version "${spec.version}" must be semantic, like "1.0.0"`);
  }
  for (const side of ['input', 'output'] as const) {
    const c = spec[side] as { '~standard'?: { validate?: unknown } } | undefined;
    if (typeof c?.['~standard']?.validate !== 'function') {
      throw new TypeError(`Function ${spec.name}: ${side} must be a Standard Schema (zod, valibot, arktype…)`);
    }
  }
}

export function toDefinition<Name extends string, In, Out>(
  spec: FunctionSpec<Name, StandardSchemaV1, StandardSchemaV1>,
  handler: Handler<In, Out>,
): FunctionDefinition<Name, In, Out> {
  checkSpec(spec);
  const { name, version, input, output, ...given } = spec;
  const meta: FunctionMeta =
    given.jurisdictions === undefined ? given : { ...given, jurisdictions: normaliseJurisdictionRules(given.jurisdictions) };
  return Object.freeze({
    kind: 'lucent.function',
    name,
    version,
    input: input as Contract<In>,
    output: output as Contract<Out>,
    meta: Object.freeze(meta),
    handler,
  });
}

/**
 * Define a pure function. Types of `input` and the return value come from the contracts.
 *
 * ```ts
 * export const healthFactor = defineFunction(
 *   { name: 'risk.healthFactor', version: '1.0.0', input: HfIn, output: HfOut },
 *   (input) => ({ healthFactor: ... }),
 * );
 * ```
 */
export function defineFunction<Name extends string, I extends StandardSchemaV1, O extends StandardSchemaV1>(
  spec: FunctionSpec<Name, I, O>,
  handler: Handler<StandardSchemaV1.InferOutput<I>, StandardSchemaV1.InferOutput<O>>,
): FunctionDefinition<Name, StandardSchemaV1.InferOutput<I>, StandardSchemaV1.InferOutput<O>> {
  return toDefinition(spec, handler);
}

export function isFunctionDefinition(value: unknown): value is AnyFunctionDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'lucent.function';
}
