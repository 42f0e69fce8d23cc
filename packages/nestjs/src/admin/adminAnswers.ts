// The admin API's answer contracts (zod): the registry entry, its history and the shadow report, held to core's types by the compiler.
import { z } from 'zod';
import type { FactCondition as CoreFactCondition, RulesChangeRecord, RulesEntry } from '@lucent/core';
import type { ShadowPairReport } from '@lucent/runtime';
import type { Holds, SameShape } from '../openapi/sameShape.js';
import { FactCondition, routeFields } from './adminBodies.js';

const Fingerprint = z.object({ input: z.string(), output: z.string() });

const RegisteredVersion = z.object({
  version: z.string(),
  fingerprint: Fingerprint.describe("sha256 fingerprints of the version's input and output contracts"),
  registeredAt: z.number().optional().describe('Epoch ms the version was registered'),
  bundle: z
    .object({ location: z.string(), digest: z.string(), signature: z.string().optional() })
    .optional()
    .describe('Where a published bundle lives; absent for versions compiled into the service'),
});

const FunctionRoute = z.object({ name: z.string(), ...routeFields });

export const JurisdictionRules = z.object({ allow: z.array(z.string()).optional(), deny: z.array(z.string()).optional() });

export const PlacementRules = z.object({
  requireTags: z.array(z.string()).optional(),
  preferTags: z.array(z.string()).optional(),
  shards: z.array(z.string()).optional(),
  routes: z.array(FunctionRoute).optional(),
});

export const FunctionRules = z
  .object({
    name: z.string(),
    versions: z.record(z.string(), RegisteredVersion),
    active: z.string().describe('Gets all traffic the weights do not send elsewhere'),
    weights: z.record(z.string(), z.number()).describe('Percent of keyed traffic per non-active version'),
    shadow: z.string().optional().describe('Runs beside the selected version; its output is compared, never returned'),
    enabled: z.boolean().describe('Kill switch: false refuses every call with FUNCTION_DISABLED'),
    jurisdictions: JurisdictionRules.optional(),
    placement: PlacementRules.optional(),
    priority: z.enum(['low', 'normal', 'high', 'critical']).optional(),
    rollout: z.object({ seed: z.number(), variantSeed: z.number(), key: z.enum(['userId', 'accountId']).optional() }),
  })
  .meta({ id: 'FunctionRules' });

export const RulesEntryAnswer = z
  .object({ name: z.string(), revision: z.number().describe('The store revision; it only grows'), rules: FunctionRules })
  .meta({ id: 'RulesEntry' });

export const RulesListAnswer = z.object({ functions: z.array(RulesEntryAnswer) });

export const RulesChangeAnswer = z
  .object({
    name: z.string(),
    revision: z.number(),
    who: z.string().describe("The admin token's subject"),
    why: z.string(),
    forced: z.boolean(),
    at: z.number().describe('Epoch ms the store accepted the change'),
    old: FunctionRules.nullable(),
    new: FunctionRules,
  })
  .meta({ id: 'RulesChangeRecord' });

export const HistoryAnswer = z.object({ changes: z.array(RulesChangeAnswer).describe('Newest first') });

export const ShadowPair = z.object({
  name: z.string(),
  live: z.string(),
  shadow: z.string(),
  agreed: z.number(),
  diverged: z.number(),
  failed: z.number(),
  skipped: z.number(),
  sampledOut: z.number(),
  agreementRate: z.number().nullable().describe('agreed / (agreed + diverged); null before any comparison'),
  examples: z
    .array(z.object({ at: z.number(), correlationId: z.string().optional(), input: z.unknown(), liveOutput: z.unknown(), shadowOutput: z.unknown() }))
    .describe('Recent divergences, newest first'),
});

export const ShadowReport = z.object({
  name: z.string(),
  source: z.string().describe('Where the counts come from: the shards that answered, this process, the event store'),
  pairs: z.array(ShadowPair),
});

// The answers are the registry's own values: if core's types and these contracts part, the build fails here.
type _AdminAnswersMatchCore = [
  Holds<SameShape<typeof RulesEntryAnswer, RulesEntry>>,
  Holds<SameShape<typeof RulesChangeAnswer, RulesChangeRecord>>,
  Holds<SameShape<typeof ShadowPair, ShadowPairReport>>,
  Holds<SameShape<typeof FactCondition, CoreFactCondition>>,
];
