// The example's HTTP contracts: path parameters and strict bodies (an unknown field is a 400 naming it, never stored).
import { z } from 'zod';

export const resourceId = z.string().min(1).max(100);

/** A path with one `:id`-style parameter of the given name. */
export const pathOf = <K extends string>(name: K) => z.strictObject({ [name]: resourceId } as Record<K, typeof resourceId>);

/** Who may do what when LUCENT_AUTH_* turns auth on (docs/http.md, "Roles"). */
export const roles = {
  /** Pushes collateral prices; reads every user's positions, portfolios, deposits and alerts. */
  operator: 'operator',
  /** The chain indexer's service token: posts confirmation callbacks. */
  chain: 'chain',
  /** Everything an operator may, plus version pins and the registry. */
  admin: 'admin',
} as const;

/** `idempotency-key`: a client repeats a write with it, and a retry after a lost answer writes nothing new. */
export const idempotencyKey = z.string().min(1).max(200);
export const OptionalIdempotency = z.object({ 'idempotency-key': idempotencyKey.optional() });
export const RequiredIdempotency = z.object({ 'idempotency-key': idempotencyKey });
