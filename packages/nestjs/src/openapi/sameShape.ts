// Compile-time proof that an answer contract (zod) describes exactly a TypeScript type: the build fails when the two part.
import type { z } from 'zod';

type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;

/**
 * `true` when the contract's output and `T` are the same type, field for field: a field missing on
 * either side, optional on one only, or of another type makes it `false`. Both sides are flattened
 * and stripped of `readonly` first (zod infers mutable arrays; core's types are readonly).
 */
export type SameShape<Contract extends z.ZodType, T> =
  (<X>() => X extends Mutable<z.output<Contract>> ? 1 : 2) extends <X>() => X extends Mutable<T> ? 1 : 2 ? true : false;

/** Fails to compile unless given `true`: `type _Check = [Holds<SameShape<typeof Contract, Type>>]`. */
export type Holds<T extends true> = T;
