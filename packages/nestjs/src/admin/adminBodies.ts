// The admin API's request contracts (zod): each write's body and the history query; the handlers parse with them and GET /openapi.json shows them.
import { z } from 'zod';

// The messages are the ones the admin API gave when these checks were written by hand: clients and
// the console show them beside the field, so they say what to send rather than what zod expected.
const versionString = (message: string) => z.string({ error: message }).min(1, { error: message });

/** Why the change is made, kept in the registry's history; the API fills in a default when absent. */
const Reason = z
  .string({ error: 'must be a non-empty string' })
  .regex(/\S/, { error: 'must be a non-empty string' })
  .optional()
  .describe('Why the change is made, recorded in the history under the token subject (a forced activation needs one)');

const bodyMessage = 'the body must be a JSON object';

/** A body that carries only a reason: enable, disable, remove a route, clear the routes. */
export const ReasonBody = z.object({ reason: Reason }, { error: bodyMessage }).meta({ id: 'AdminReasonBody' });

export const ActivateBody = z
  .object(
    {
      version: versionString('must be a version string').describe('The registered version that gets all unweighted traffic'),
      force: z.boolean({ error: 'must be a boolean' }).default(false).describe('Activate past a failed contract compatibility check; needs a reason'),
      reason: Reason,
    },
    { error: bodyMessage },
  )
  .superRefine((body, ctx) => {
    // Forcing past a contract check must say why: the history is where the next operator looks.
    if (body.force && body.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a forced change needs a reason' });
  });

export const WeightsBody = z.object(
  {
    weights: z
      .record(z.string(), z.number({ error: 'must be a number' }), { error: 'must be an object of version → percent' })
      .describe('Percent of keyed traffic per non-active version (0..100, two decimals, sum at most 100); the active version gets the rest'),
    reason: Reason,
  },
  { error: bodyMessage },
);

export const ShadowBody = z.object(
  {
    version: versionString('must be a version string, or null to turn the shadow off')
      .nullable()
      .describe('The version run beside the live one for comparison, or null to turn the shadow off'),
    reason: Reason,
  },
  { error: bodyMessage },
);

const isoMessage = 'must be an ISO 3166 code such as "US" or "DE"';
const Jurisdictions = z
  .array(z.string({ error: isoMessage }).regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, { error: isoMessage }), {
    error: 'must be a list of ISO 3166 codes such as "US" or "DE"',
  })
  .optional();

export const JurisdictionsBody = z.object(
  {
    allow: Jurisdictions.describe('When non-empty, only these jurisdictions may call'),
    deny: Jurisdictions.describe('These jurisdictions may never call; deny wins over allow'),
    reason: Reason,
  },
  { error: bodyMessage },
);

const factMessage = 'must be a string, a finite number or a boolean';
const Fact = z.union([z.string(), z.number(), z.boolean()], { error: factMessage });
const bound = z.number({ error: 'must be a finite number' }).optional();

/** A test on one fact of a call (the shape of core's FactCondition); every comparison given must hold. */
export const FactCondition = z
  .strictObject(
    {
      fact: z.string({ error: 'must name a fact, e.g. "notional"' }).regex(/\S/, { error: 'must name a fact, e.g. "notional"' }),
      gt: bound,
      gte: bound,
      lt: bound,
      lte: bound,
      equals: Fact.optional(),
      in: z.array(Fact, { error: 'must be a non-empty list of strings, finite numbers or booleans' })
        .min(1, { error: 'must be a non-empty list of strings, finite numbers or booleans' })
        .optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? 'is not a condition field (fact, gt, gte, lt, lte, equals, in)' : 'must be a condition object such as { "fact": "notional", "gte": 1000000 }') },
  )
  .meta({ id: 'FactCondition' });

const tagsMessage = 'must be a list of non-empty tags without surrounding spaces';
export const Tags = z.array(z.string({ error: tagsMessage }).regex(/^\S(?:[\s\S]*\S)?$/, { error: tagsMessage }), { error: tagsMessage });

/** The fields of a route besides its name, which the path gives. */
export const routeFields = {
  when: z.array(FactCondition, { error: 'must be a list of conditions' }).optional().describe('All must hold for the route to apply; it always applies when absent'),
  requireTags: Tags.optional().describe('A shard must carry every one of these tags'),
  avoidTags: Tags.optional().describe('A shard must carry none of these tags'),
  mode: z.enum(['require', 'prefer'], { error: 'must be "require" or "prefer"' }).optional().describe("'require' (default): no fitting shard denies the call; 'prefer': other shards are used then"),
};

/**
 * A route from `PUT /admin/registry/:name/routes/:route`. What a JSON Schema cannot say — at least
 * one tag, no tag both required and avoided, a condition with a test — the registry's own route
 * check adds after this contract passes.
 */
export const RouteBody = z.strictObject(
  { ...routeFields, reason: Reason },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? 'is not a route field (when, requireTags, avoidTags, mode, reason)' : bodyMessage) },
);

/** `GET /admin/registry/:name/history?limit=N`: the newest N changes (all when absent). */
export const HistoryQuery = z.object({
  limit: z
    .string()
    .regex(/^[1-9][0-9]*$/, { error: 'must be a positive integer' })
    .optional()
    .describe('How many changes, newest first'),
});
