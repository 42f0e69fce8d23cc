// Types that tie a generated function map to a type-checked `invoke(name, input)`.
import type { AnyFunctionDefinition, InputOf, OutputOf } from './defineFunction.js';
import type { InvocationResult } from './execute.js';

/** A generated registry: function name → definition. */
export type FunctionMap = Readonly<Record<string, AnyFunctionDefinition>>;

export type FunctionName<R extends FunctionMap> = keyof R & string;

/** `invoke` narrowed to a registry: unknown names and wrong inputs fail to compile. */
export interface TypedInvoke<R extends FunctionMap, Options> {
  <K extends FunctionName<R>>(name: K, input: InputOf<R[K]>, options?: Options): Promise<InvocationResult<OutputOf<R[K]>>>;
}

type MapOf<Defs extends readonly AnyFunctionDefinition[]> = { readonly [F in Defs[number] as F['name']]: F };

/** Build a typed name → definition map from definitions (what `lucent generate` writes for a service). */
export function functionMap<const Defs extends readonly AnyFunctionDefinition[]>(...defs: Defs): MapOf<Defs> {
  const map: Record<string, AnyFunctionDefinition> = {};
  for (const def of defs) {
    if (map[def.name]) throw new TypeError(`Function ${def.name} appears twice`);
    map[def.name] = def;
  }
  return map as MapOf<Defs>;
}
