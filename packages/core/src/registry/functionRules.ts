// The registry's rule types: what operators set per function (versions, weights, shadow, switches, jurisdictions, placement).
import type { Priority } from '../functions/functionTraits.js';
import type { FunctionRoute } from '../routing/routingRule.js';

/** sha256 fingerprints of a version's contracts, as `lucent generate` writes them in the manifest. */
export interface ContractFingerprint {
  readonly input: string;
  readonly output: string;
}

/** Where a published bundle lives; filled by `lucent publish`, absent for versions compiled into the service. */
export interface BundleReference {
  /** Object name in the JetStream object store, or event stream in embedded mode. */
  readonly location: string;
  /** sha256 of the bundle bytes, `sha256:<hex>`. */
  readonly digest: string;
  /** Base64 ed25519 signature over the bundle bytes. */
  readonly signature?: string;
}

export interface RegisteredVersion {
  readonly version: string;
  readonly fingerprint: ContractFingerprint;
  /** Epoch ms the version was registered (set by the writer, from its clock). */
  readonly registeredAt?: number;
  readonly bundle?: BundleReference;
}

/**
 * Which jurisdictions may call a function: the one rule type for a function's own metadata and for
 * the registry's rules, decided by `jurisdictionAllowed`. Codes are ISO 3166 ('US', 'DE', 'GB-SCT'),
 * compared trimmed and upper-cased. Deny wins over allow; a non-empty allow list refuses every other
 * jurisdiction and a caller with none; an empty allow list (`allow: []`) restricts nothing.
 */
export interface JurisdictionRules {
  /** When non-empty, only these jurisdictions may call; empty or absent, any jurisdiction may. */
  readonly allow?: readonly string[];
  /** These jurisdictions may never call; deny wins over allow. */
  readonly deny?: readonly string[];
}

/** Which shards may run the function; shard routing reads it after version selection. */
export interface PlacementRules {
  /** Run only on shards carrying every one of these tags. */
  readonly requireTags?: readonly string[];
  /** Prefer shards with these tags when several qualify. */
  readonly preferTags?: readonly string[];
  /** Run only on these shard ids. */
  readonly shards?: readonly string[];
  /**
   * Per-call routes (facts of the call → shard tags), tried in order after the tags above and before
   * the caller's static rules; names unique. Absent: never set, so a service may seed its defaults;
   * `[]`: cleared by an operator, and left so across restarts.
   */
  readonly routes?: readonly FunctionRoute[];
}

/** Which call-context field makes assignment sticky. Never the node: the same user must land on the same version everywhere. */
export type StickyKey = 'userId' | 'accountId';

export interface RolloutSettings {
  /** murmur3 seed deciding who is inside the rollout (uint32). Change it to reshuffle for a new rollout. */
  readonly seed: number;
  /** murmur3 seed deciding which non-active version a key inside the rollout gets (uint32). */
  readonly variantSeed: number;
  /** Field tried first; the other one is the fallback. Default 'userId'. */
  readonly key?: StickyKey;
}

/** Everything the registry holds for one function. A plain JSON value: stored as-is in KV. */
export interface FunctionRules {
  readonly name: string;
  /** version → registration; every version named below must be registered here. */
  readonly versions: Readonly<Record<string, RegisteredVersion>>;
  /** Gets all traffic the weights do not send elsewhere. */
  readonly active: string;
  /**
   * Percent (0..100, two decimals) of keyed traffic per non-active version; the sum is at most 100
   * and the active version gets the rest. Calls without a sticky key always get the active version.
   */
  readonly weights: Readonly<Record<string, number>>;
  /** Runs beside the selected version on the same input; its output is compared, never returned. */
  readonly shadow?: string;
  /** Kill switch: false refuses every call with FUNCTION_DISABLED. */
  readonly enabled: boolean;
  readonly jurisdictions?: JurisdictionRules;
  readonly placement?: PlacementRules;
  readonly priority?: Priority;
  readonly rollout: RolloutSettings;
}

/** Rules as stored: with the store's revision (KV revision, or a counter in memory). Revisions only grow. */
export interface RulesEntry {
  readonly name: string;
  readonly revision: number;
  readonly rules: FunctionRules;
}

/** Who asks for a change and why; recorded with the change. `force` overrides the contract check and needs a reason. */
export interface ChangeAudit {
  readonly who: string;
  readonly why: string;
  readonly force?: boolean;
}

/** One recorded change, as history returns it. */
export interface RulesChangeRecord {
  readonly name: string;
  readonly revision: number;
  readonly who: string;
  readonly why: string;
  readonly forced: boolean;
  /** Epoch ms when the store accepted the change. */
  readonly at: number;
  readonly old: FunctionRules | null;
  readonly new: FunctionRules;
}
