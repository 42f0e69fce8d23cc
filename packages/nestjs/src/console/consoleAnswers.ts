// The console API's answer contracts (zod): what each GET /console/api route answers, shown in GET /openapi.json and held to the views' types by the compiler.
import { z } from 'zod';
import { HistoryAnswer, JurisdictionRules, PlacementRules, ShadowReport } from '../admin/adminAnswers.js';
import type { Holds, SameShape } from '../openapi/sameShape.js';
import type { CallRecord as CallRecordType } from './callLog.js';
import type { ClusterAnswer as ClusterAnswerType } from './clusterView.js';
import type { ConsoleBundle } from './consoleOptions.js';
import type { SessionAnswer as SessionAnswerType, StoreStatus } from './consoleRuntime.js';
import type { FunctionEntry as FunctionEntryType } from './functionsView.js';

export const SessionAnswer = z.object({
  auth: z.enum(['on', 'off']),
  subject: z.string().nullable(),
  roles: z.array(z.string()),
  admin: z.boolean().describe('May change the registry: auth on, the admin API mounted and the admin role held'),
});

const Store = z.object({
  name: z.enum(['eventStore', 'projections', 'nats', 'registry']),
  status: z.enum(['up', 'down', 'absent']),
  detail: z.string().optional(),
});

export const OverviewAnswer = z.object({
  service: z.object({ name: z.string(), version: z.string(), startedAt: z.string().describe('ISO 8601'), uptimeSec: z.number(), mode: z.string() }),
  stores: z.array(Store),
});

const Shard = z.object({
  id: z.string(),
  tags: z.array(z.string()),
  status: z.enum(['healthy', 'draining', 'suspect', 'down']),
  cpu: z.number().describe("CPU use over the shard's last report interval, 0..1"),
  memoryMb: z.number(),
  eventLoopLagMs: z.number(),
  inFlight: z.number(),
  callsPerSec: z.number(),
  versions: z.array(z.string()).describe('`name@version` of every version the shard can run'),
  breaker: z.enum(['closed', 'open', 'half-open']),
});

export const ClusterAnswer = z.object({
  gateway: z.object({ id: z.string(), callsPerSec: z.number(), inFlight: z.number() }).nullable(),
  shards: z.array(Shard),
});

const FunctionEntry = z.object({
  name: z.string(),
  versions: z.array(
    z.object({
      version: z.string(),
      weight: z.number().describe('Percent of keyed traffic the version gets'),
      active: z.boolean(),
      callsPerSec: z.number(),
      errorRate: z.number(),
      p99Ms: z.number().nullable(),
    }),
  ),
  shadow: z.object({ version: z.string(), percent: z.number() }).nullable(),
  disabled: z.boolean(),
  jurisdictions: JurisdictionRules.nullable(),
  placement: PlacementRules.nullable(),
  revision: z.number().nullable().describe('The registry revision the rules are at; null for a function the registry has no rules for'),
});

export const FunctionsAnswer = z.object({ functions: z.array(FunctionEntry) });

const CallRecord = z.object({
  at: z.string().describe('When the call started, ISO 8601'),
  function: z.string(),
  version: z.string().nullable(),
  shard: z.string().nullable(),
  outcome: z.enum(['ok', 'error']),
  code: z.string().nullable(),
  message: z.string().nullable(),
  correlationId: z.string(),
  traceId: z.string().nullable(),
  user: z.string().nullable(),
  durationMs: z.number(),
});

export const CallsAnswer = z.object({ calls: z.array(CallRecord).describe('Newest first') });

const Bundle = z.object({
  name: z.string(),
  version: z.string().nullable(),
  status: z.enum(['loaded', 'rejected', 'failed']),
  reason: z.string().nullable(),
  bundle: z.string().describe("The bundle's id in its store"),
  node: z.string().describe('The node (shard) that handled it'),
});

export const BundlesAnswer = z.object({ deployer: z.boolean().describe('false: functions are compiled in'), bundles: z.array(Bundle) });

/** The console's mirrors of the admin API's history and shadow report answer as those do. */
export { HistoryAnswer, ShadowReport };

// The answers are the views' own values: if a view's type and its contract part, the build fails here.
type _ConsoleAnswersMatchViews = [
  Holds<SameShape<typeof SessionAnswer, SessionAnswerType>>,
  Holds<SameShape<typeof Store, StoreStatus>>,
  Holds<SameShape<typeof ClusterAnswer, ClusterAnswerType>>,
  Holds<SameShape<typeof FunctionEntry, FunctionEntryType>>,
  Holds<SameShape<typeof CallRecord, CallRecordType>>,
  Holds<SameShape<typeof Bundle, ConsoleBundle>>,
];
