// @LucentFunction: the class-style way to register a function; yields the same definition as defineFunction.
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { FunctionContext } from '../context/functionContext.js';
import { toDefinition, type AnyFunctionDefinition, type FunctionDefinition, type FunctionSpec } from './defineFunction.js';

const registrations = Symbol.for('lucent.functions');

type Registrations = Map<string, AnyFunctionDefinition>;
type Holder = { [registrations]?: Registrations };

function registrationsOf(holder: object | undefined, create: boolean): Registrations | undefined {
  if (holder === undefined || holder === null) return undefined;
  const h = holder as Holder;
  if (Object.prototype.hasOwnProperty.call(h, registrations)) return h[registrations];
  if (!create) return undefined;
  const map: Registrations = new Map();
  Object.defineProperty(h, registrations, { value: map, enumerable: false });
  return map;
}

type MethodOf<I extends StandardSchemaV1, O extends StandardSchemaV1> = (
  input: StandardSchemaV1.InferOutput<I>,
  ctx: FunctionContext,
) => StandardSchemaV1.InferOutput<O> | Promise<StandardSchemaV1.InferOutput<O>>;

/**
 * Register a static (or instance) method as a Lucent function. The method's parameter and
 * return types are checked against the contracts. Works with TypeScript's
 * `experimentalDecorators` (what NestJS uses) and with standard decorators.
 */
export function LucentFunction<Name extends string, I extends StandardSchemaV1, O extends StandardSchemaV1>(
  spec: FunctionSpec<Name, I, O>,
) {
  // Generic in the method so a narrower method (one argument, a sync return) still fits the contract.
  function decorate<M extends MethodOf<I, O>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>): void;
  function decorate<M extends MethodOf<I, O>>(value: M, context: ClassMethodDecoratorContext): void;
  function decorate(target: unknown, key: unknown, descriptor?: TypedPropertyDescriptor<MethodOf<I, O>>): void {
    if (typeof key === 'object' && key !== null && (key as ClassMethodDecoratorContext).kind === 'method') {
      // Standard (TC39) decorators: the class is known once its static initialisers run.
      const context = key as ClassMethodDecoratorContext;
      const method = target as MethodOf<I, O>;
      context.addInitializer(function (this: unknown) {
        const holder = (context.static ? this : Object.getPrototypeOf(this)) as object;
        register(holder, String(context.name), method);
      });
      return;
    }
    const method = descriptor?.value;
    if (typeof method !== 'function') throw new TypeError(`@LucentFunction(${spec.name}) must decorate a method`);
    register(target as object, String(key), method);
  }

  function register(holder: object, methodName: string, method: MethodOf<I, O>): void {
    const map = registrationsOf(holder, true)!;
    if (map.has(methodName)) return;
    map.set(methodName, toDefinition(spec, method.bind(holder)));
  }

  return decorate;
}

/** All functions registered on a class by @LucentFunction (static and instance methods). */
export function functionsOf(cls: abstract new (...args: never[]) => unknown): AnyFunctionDefinition[] {
  return [
    ...(registrationsOf(cls, false)?.values() ?? []),
    ...(registrationsOf(cls.prototype as object | undefined, false)?.values() ?? []),
  ];
}

/** Decorated methods of a class with where they live, for code generation. */
export function decoratedMethodsOf(
  cls: abstract new (...args: never[]) => unknown,
): { method: string; isStatic: boolean; definition: AnyFunctionDefinition }[] {
  const list = (holder: object | undefined, isStatic: boolean) =>
    [...(registrationsOf(holder, false)?.entries() ?? [])].map(([method, definition]) => ({ method, isStatic, definition }));
  return [...list(cls, true), ...list(cls.prototype as object | undefined, false)];
}

type DefinitionOfMethod<M> = M extends (input: infer In, ctx: FunctionContext) => infer R
  ? FunctionDefinition<string, In, Awaited<R>>
  : never;

/** The definition registered for one decorated method, typed from the method's signature. */
export function functionOf<C extends object, K extends keyof C & string>(holder: C, key: K): DefinitionOfMethod<C[K]> {
  const found =
    registrationsOf(holder, false)?.get(key) ??
    registrationsOf((holder as { prototype?: object }).prototype ?? {}, false)?.get(key);
  if (!found) throw new TypeError(`${key} is not decorated with @LucentFunction`);
  return found as unknown as DefinitionOfMethod<C[K]>;
}
