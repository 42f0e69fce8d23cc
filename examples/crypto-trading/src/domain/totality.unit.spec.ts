// Totality: every input a registered function's contract accepts gives an output its contract accepts, or a refusal the caller caused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LucentError, ValidationError, contractJsonSchema, type AnyFunctionDefinition } from '@lucent/core';
import { sagaScenario } from '@lucent/core/testing';
import { FunctionManager } from '@lucent/runtime';
import { functionRegistry } from '../registry/functionRegistry.js';
import { PositionCommand } from './positions/positionCommands.js';
import { PositionStateContract } from './positions/positionDecider.js';
import { PriceCommand } from './prices/priceCommands.js';
import { PriceStateContract } from './prices/priceDecider.js';
import { AaveDepositInput, aaveDepositSaga, confirmationKey } from './sagas/aaveDepositSaga.js';

/*
 * For every function in the registry, fast-check generates inputs from the input contract's JSON
 * Schema (its bounds, with the bounds themselves, their neighbours, 0, Number.MIN_VALUE and arrays
 * at their cap drawn often), runs each through the FunctionManager, and fails on any answer but
 * - a result whose output passed the output contract (the manager checks it) with finite numbers
 *   in the output and the events, or
 * - a typed refusal the caller caused: VALIDATION_FAILED of the input, or RULE_VIOLATED.
 * A failure prints fast-check's counterexample with its seed and path; replay it by passing
 * `{ seed, path, endOnFailure: true }` to the fc.assert below (or change `seed` to explore).
 *
 * A function whose input has no JSON Schema (a decider) or whose contract has rules its schema
 * cannot show (a matrix, distinct currencies) needs an entry in `decisionInputs` or `handWritten`;
 * a registered function with neither fails here, so nothing new goes uncovered.
 */

const seed = 20_250_611;
const numRuns = 300;
const now = 1_700_000_000_000;

interface JsonSchema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: unknown;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
}

/** Keywords that only describe: anything else must be understood below, or the derivation refuses. */
const descriptive = new Set(['$schema', 'description', 'default', 'title', 'additionalProperties']);
const understood = new Set([
  'type', 'properties', 'required', 'items', 'minItems', 'maxItems', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'minLength', 'maxLength', 'pattern', 'const', 'enum', 'anyOf', 'oneOf',
]);

const bits = new Float64Array(1);
const word = new BigInt64Array(bits.buffer);

/** The next double after `x` towards +∞ (up) or −∞. */
function nextAfter(x: number, up: boolean): number {
  if (x === 0) return up ? Number.MIN_VALUE : -Number.MIN_VALUE;
  bits[0] = x;
  word[0]! += x > 0 === up ? 1n : -1n;
  return bits[0]!;
}

/** Doubles spread evenly over the decades of [min, max] (10^-323 … 10^308), of either sign. */
function decades(min: number, max: number): fc.Arbitrary<number> {
  const sides: fc.Arbitrary<number>[] = [];
  const side = (lo: number, hi: number, sign: 1 | -1) =>
    fc.double({ min: Math.log10(lo), max: Math.log10(hi), noNaN: true }).map((e) => sign * Math.min(hi, Math.max(lo, 10 ** e)));
  if (max > 0) sides.push(side(Math.max(min, Number.MIN_VALUE), max, 1));
  if (min < 0) sides.push(side(Math.max(-max, Number.MIN_VALUE), -min, -1));
  return sides.length === 0 ? fc.constant(0) : fc.oneof(...sides);
}

function numberArbitrary(s: JsonSchema, where: string): fc.Arbitrary<number> {
  const integer = s.type === 'integer';
  let min = s.minimum ?? -Number.MAX_VALUE;
  let max = s.maximum ?? Number.MAX_VALUE;
  if (s.exclusiveMinimum !== undefined) min = integer ? Math.floor(s.exclusiveMinimum) + 1 : nextAfter(s.exclusiveMinimum, true);
  if (s.exclusiveMaximum !== undefined) max = integer ? Math.ceil(s.exclusiveMaximum) - 1 : nextAfter(s.exclusiveMaximum, false);
  if (integer) {
    min = Math.max(Math.ceil(min), Number.MIN_SAFE_INTEGER);
    max = Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER);
  }
  if (!(min <= max)) throw new Error(`${where}: empty range [${min}, ${max}]`);
  const inRange = (x: number) => x >= min && x <= max && (!integer || Number.isInteger(x));
  const edges = [
    min, max, nextAfter(min, true), nextAfter(max, false), min + 1, max - 1, 0, -0, 1, -1,
    Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308, 1e-300, Number.EPSILON, 0.5, (min + max) / 2,
  ].filter(inRange);
  const spread = integer
    ? fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number)
    : fc.double({ min, max, noNaN: true });
  const magnitude = integer ? decades(min, max).map(Math.round).filter(inRange) : decades(min, max);
  return fc.oneof(
    { arbitrary: fc.constantFrom(...(edges.length > 0 ? edges : [min])), weight: 3 },
    { arbitrary: spread, weight: 2 },
    { arbitrary: magnitude, weight: 3 },
  );
}

function stringArbitrary(s: JsonSchema): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = s.maxLength ?? 200;
  if (s.pattern !== undefined) {
    return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= minLength && v.length <= maxLength);
  }
  return fc.oneof(
    { arbitrary: fc.string({ minLength, maxLength: Math.min(maxLength, minLength + 8) }), weight: 4 },
    { arbitrary: fc.string({ minLength: maxLength, maxLength }), weight: 1 },
  );
}

/** An arbitrary of the values `schema` describes, with the extremes drawn often. */
function fromJsonSchema(schema: JsonSchema, where = '(root)'): fc.Arbitrary<unknown> {
  for (const key of Object.keys(schema)) {
    if (!understood.has(key) && !descriptive.has(key)) throw new Error(`${where}: JSON Schema keyword ${key} is not understood; add it here or hand-write the arbitrary`);
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches !== undefined) return fc.oneof(...branches.map((b, i) => fromJsonSchema(b, `${where}|${i}`)));
  switch (schema.type) {
    case 'number':
    case 'integer':
      return numberArbitrary(schema, where);
    case 'string':
      return stringArbitrary(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (schema.items === undefined) throw new Error(`${where}: an array without items`);
      // An uncapped list is work that grows with the caller's whim: every list in a contract has a cap.
      if (schema.maxItems === undefined) throw new Error(`${where}: an array without maxItems`);
      const item = fromJsonSchema(schema.items, `${where}[]`);
      const minLength = schema.minItems ?? 0;
      const maxLength = schema.maxItems;
      return fc.oneof(
        { arbitrary: fc.array(item, { minLength, maxLength: Math.min(maxLength, minLength + 5) }), weight: 4 },
        { arbitrary: fc.array(item, { minLength: maxLength, maxLength }), weight: 1 },
      );
    }
    case 'object': {
      const properties = schema.properties ?? {};
      const fields = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, fromJsonSchema(v, `${where}.${k}`)]));
      return fc.record(fields, { requiredKeys: [...(schema.required ?? [])] });
    }
    default:
      throw new Error(`${where}: JSON Schema type ${String(schema.type)} is not understood`);
  }
}

const inputSchemaOf = (fn: AnyFunctionDefinition): JsonSchema => {
  const schema = contractJsonSchema(fn.input, 'input');
  if (schema === undefined) throw new Error(`${fn.name}: its input contract has no JSON Schema`);
  return schema as JsonSchema;
};

/** Deciders served as functions: their input is { command, state }, whose contracts the decision function does not expose as a schema. */
const decisionInputs: Readonly<Record<string, z.ZodType>> = {
  'positions.decide': z.object({ command: PositionCommand, state: PositionStateContract }),
  'prices.decide': z.object({ command: PriceCommand, state: PriceStateContract }),
};

/** arbitrage.triangular: quotes between distinct currencies of a set of up to 100, and rings of extreme rates. */
function triangularInputs(): fc.Arbitrary<unknown> {
  const schema = inputSchemaOf(functionRegistry['arbitrage.triangular']);
  const quoteSchema = schema.properties!['rates']!.items!;
  const quote = fromJsonSchema(quoteSchema, 'rates[]') as fc.Arbitrary<{ rate: number; feeRate?: number }>;
  const rate = fromJsonSchema(quoteSchema.properties!['rate']!, 'rate') as fc.Arbitrary<number>;
  const currency = fromJsonSchema(schema.properties!['startCurrency']!, 'currency') as fc.Arbitrary<string>;
  const currencies = fc.oneof(
    { arbitrary: fc.uniqueArray(currency, { minLength: 2, maxLength: 6 }), weight: 3 },
    { arbitrary: fc.uniqueArray(currency, { minLength: 100, maxLength: 100 }), weight: 1 },
  );
  const pick = (names: readonly string[], i: number, j: number) => {
    const from = i % names.length;
    return { from: names[from]!, to: names[(from + 1 + (j % (names.length - 1))) % names.length]! };
  };
  // Any quotes among the currencies, up to the cap of 2 000.
  const market = currencies.chain((names) =>
    fc.record({
      rates: fc.oneof(
        { arbitrary: fc.array(fc.tuple(quote, fc.nat(), fc.nat()), { minLength: 2, maxLength: 12 }), weight: 4 },
        { arbitrary: fc.array(fc.tuple(quote, fc.nat(), fc.nat()), { minLength: 2_000, maxLength: 2_000 }), weight: 1 },
      ).map((qs) => qs.map(([q, i, j]) => ({ ...q, ...pick(names, i, j) }))),
      startCurrency: fc.option(fc.constantFrom(...names), { nil: undefined }),
    }),
  );
  // One cycle through every currency, each leg at the same rate: 26 legs or more at the largest
  // rates make a profit factor beyond what a number holds.
  const ringSize = fc.oneof(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 26, max: 100 }), fc.constant(100));
  const ring = fc
    .tuple(
      ringSize.chain((n) => fc.uniqueArray(currency, { minLength: n, maxLength: n })),
      fc.oneof(rate, fc.constant(quoteSchema.properties!['rate']!.maximum!)),
    )
    .map(([names, r]) => ({ rates: names.map((from, i) => ({ from, to: names[(i + 1) % names.length]!, rate: r })) }));
  return fc.oneof({ arbitrary: market, weight: 3 }, { arbitrary: ring, weight: 1 });
}

/** risk.valueAtRisk: positions with a symmetric, unit-diagonal correlation matrix of their size (positive semi-definite or not). */
function valueAtRiskInputs(): fc.Arbitrary<unknown> {
  const schema = inputSchemaOf(functionRegistry['risk.valueAtRisk']);
  const positionsSchema = schema.properties!['positions']!;
  const position = fromJsonSchema(positionsSchema.items!, 'positions[]');
  const rho = fromJsonSchema(schema.properties!['correlation']!.items!.items!, 'correlation[][]') as fc.Arbitrary<number>;
  const symmetric = (n: number, entry: (i: number, j: number) => number) => {
    const m = Array.from({ length: n }, () => new Array<number>(n).fill(1));
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i]![j] = m[j]![i] = entry(i, j);
    return m;
  };
  // A Gram matrix of unit vectors is a real correlation matrix; a constant or a random one may not be.
  const correlation = (n: number): fc.Arbitrary<number[][]> =>
    fc.oneof(
      rho.map((r) => symmetric(n, () => r)),
      fc.array(rho, { minLength: n * n, maxLength: n * n }).map((rs) => symmetric(n, (i, j) => rs[i * n + j]!)),
      fc.array(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }), { minLength: n, maxLength: n }).map((vs) => {
        const unit = vs.map((v) => {
          const norm = Math.hypot(...v);
          return norm === 0 ? [1, 0, 0] : v.map((x) => x / norm);
        });
        return symmetric(n, (i, j) => Math.max(-1, Math.min(1, unit[i]!.reduce((s, x, k) => s + x * unit[j]![k]!, 0))));
      }),
    );
  const size = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 6 }), weight: 4 }, { arbitrary: fc.constant(positionsSchema.maxItems!), weight: 1 });
  const confidence = fromJsonSchema(schema.properties!['confidence']!, 'confidence');
  const horizonDays = fromJsonSchema(schema.properties!['horizonDays']!, 'horizonDays');
  return size.chain((n) =>
    fc
      .record({
        positions: fc.array(position, { minLength: n, maxLength: n }),
        // One position needs no matrix.
        correlation: n === 1 ? fc.constantFrom(undefined, [[1]]) : correlation(n),
        confidence,
        horizonDays,
      })
      .map(({ correlation: rho, ...rest }) => (rho === undefined ? rest : { ...rest, correlation: rho })),
  );
}

/** Contracts with rules their JSON Schema cannot show: inputs built to satisfy them. */
const handWritten: Readonly<Record<string, () => fc.Arbitrary<unknown>>> = {
  'arbitrage.triangular': triangularInputs,
  'risk.valueAtRisk': valueAtRiskInputs,
};

function inputsFor(name: string, fn: AnyFunctionDefinition): fc.Arbitrary<unknown> {
  const custom = handWritten[name];
  if (custom !== undefined) return custom();
  const decision = decisionInputs[name];
  if (decision !== undefined) return fromJsonSchema(z.toJSONSchema(decision, { io: 'input' }) as JsonSchema, name);
  const schema = contractJsonSchema(fn.input, 'input');
  if (schema === undefined) {
    throw new Error(`${name}: no arbitrary for its inputs. Its contract has no JSON Schema: add it to decisionInputs or handWritten in this spec`);
  }
  return fromJsonSchema(schema as JsonSchema, name);
}

/** The first number in `value` that is not finite, as a path, or undefined. */
function nonFinite(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path || '(root)'} = ${value}`;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = nonFinite(v, path ? `${path}.${k}` : k);
    if (found !== undefined) return found;
  }
  return undefined;
}

const show = (input: unknown) => JSON.stringify(input).slice(0, 400);

/** Refusals a caller causes: a bad input (400) or a domain rule (422). Anything else would be a 5xx. */
function isCallerRefusal(error: unknown): boolean {
  if (error instanceof ValidationError) return error.where === 'input';
  return error instanceof LucentError && error.code === 'RULE_VIOLATED';
}

const registered = Object.entries(functionRegistry) as [string, AnyFunctionDefinition][];

describe('every registered function is total on its input contract', () => {
  it('has inputs for every function, and no hand-written entry for a function that is gone', () => {
    for (const [name, fn] of registered) expect(() => inputsFor(name, fn), name).not.toThrow();
    const names = new Set(Object.keys(functionRegistry));
    expect([...Object.keys(handWritten), ...Object.keys(decisionInputs)].filter((n) => !names.has(n))).toEqual([]);
  });

  it.each(registered)('%s: a valid input gives a valid output or a typed refusal', async (name, fn) => {
    const manager = new FunctionManager({ clock: () => now }).register(functionRegistry);
    const tally = { answered: 0, refusedByRule: 0, invalid: 0 };
    await fc.assert(
      fc.asyncProperty(inputsFor(name, fn), async (input) => {
        let result;
        try {
          result = await manager.invoke(name, input, { business: { accountId: 'acc-1' } });
        } catch (error) {
          if (!isCallerRefusal(error)) throw new Error(`${name} failed with ${String(error)} on ${show(input)}`, { cause: error });
          if (error instanceof ValidationError) tally.invalid++;
          else tally.refusedByRule++;
          return;
        }
        tally.answered++;
        const bad = nonFinite(result.output) ?? nonFinite(result.events);
        if (bad !== undefined) throw new Error(`${name} answered a non-finite number (${bad}) on ${show(input)}`);
      }),
      { seed, numRuns },
    );
    // The arbitraries must mostly produce inputs the contract accepts, or this test proves little.
    expect(tally.answered + tally.refusedByRule, JSON.stringify(tally)).toBeGreaterThanOrEqual(numRuns / 2);
    expect(tally.answered, JSON.stringify(tally)).toBeGreaterThan(0);
  });

  it('the aave deposit saga carries every accepted input to completion with finite amounts', () => {
    const inputs = fromJsonSchema(z.toJSONSchema(AaveDepositInput, { io: 'input' }) as JsonSchema, 'aave.deposit');
    let accepted = 0;
    fc.assert(
      fc.property(inputs, (raw) => {
        const parsed = AaveDepositInput.safeParse(raw);
        if (!parsed.success) return;
        accepted++;
        const s = sagaScenario(aaveDepositSaga, parsed.data, { at: now })
          .succeed('ReserveFunds', { reservationId: 'res-1' })
          .succeed('SubmitDeposit', { txHash: '0xabc' })
          .matchWait(confirmationKey('0xabc'), { confirmations: parsed.data.confirmations })
          .succeed('RecordPosition', null);
        expect(s.instance.status).toBe('completed');
        expect(nonFinite(s.issued.map((i) => i.command))).toBeUndefined();
      }),
      { seed, numRuns },
    );
    expect(accepted).toBeGreaterThanOrEqual(numRuns / 2);
  });
});
