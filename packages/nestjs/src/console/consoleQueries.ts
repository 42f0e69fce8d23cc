// Query and path contracts of the console API: checked by LucentRouteGuard, so a bad value is a 400 naming the field.
import { z } from 'zod';

/** A query contract that refuses an unknown parameter under its own name (z.strictObject's issue would name the whole query). */
export function strictQuery<S extends z.ZodRawShape>(shape: S) {
  type Known = z.output<z.ZodObject<S>>;
  return z.looseObject(shape).transform((value, ctx): Known => {
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(shape, key)) ctx.addIssue({ code: 'custom', path: [key], message: 'is not a parameter of this endpoint' });
    }
    return Object.fromEntries(Object.entries(value).filter(([key]) => Object.hasOwn(shape, key))) as Known;
  });
}

const name = z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'must be 1 to 200 letters, digits or . _ : -');

export const CallsQuery = strictQuery({
  function: name.optional(),
  code: z.string().regex(/^[A-Z][A-Z_]{1,63}$/, 'must be an error code such as FUNCTION_FAILED').optional(),
  user: z.string().min(1).max(200).optional(),
  outcome: z.enum(['ok', 'error']).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});
export type CallsQuery = z.infer<typeof CallsQuery>;

export const FunctionParams = z.strictObject({ name });

export const HistoryQuery = strictQuery({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;
