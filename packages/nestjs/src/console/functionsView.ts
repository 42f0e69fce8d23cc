// GET /console/api/functions: each function's versions with weights and live rates, shadow, kill switch, jurisdiction and placement rules.
import type { FunctionRules, JurisdictionRules, PlacementRules, RulesEntry } from '@lucent/core';
import type { FunctionInfo } from '@lucent/runtime';
import type { VersionRates } from './callLog.js';

export interface VersionEntry {
  readonly version: string;
  /** Percent of keyed traffic the version gets: the active one gets what the weights leave. */
  readonly weight: number;
  readonly active: boolean;
  readonly callsPerSec: number;
  readonly errorRate: number;
  readonly p99Ms: number | null;
}

export interface FunctionEntry {
  readonly name: string;
  readonly versions: readonly VersionEntry[];
  readonly shadow: { readonly version: string; readonly percent: number } | null;
  readonly disabled: boolean;
  readonly jurisdictions: JurisdictionRules | null;
  readonly placement: PlacementRules | null;
  /** The registry revision the rules are at; null for a function the registry has no rules for. */
  readonly revision: number | null;
}

const noRates: VersionRates = { callsPerSec: 0, errorRate: 0, p99Ms: null };

function weightOf(rules: FunctionRules, version: string): number {
  if (version !== rules.active) return rules.weights[version] ?? 0;
  const others = Object.entries(rules.weights).reduce((sum, [v, w]) => (v === rules.active ? sum : sum + w), 0);
  return Math.round((100 - others) * 100) / 100;
}

/**
 * Registry rules first (what operators steer), then what the invoker reaches without rules; rates
 * from the call log. `shadowPercent` is the share of calls the shadow runner compares (its sample rate).
 */
export function functionEntries(
  entries: readonly RulesEntry[],
  reachable: readonly FunctionInfo[],
  rates: ReadonlyMap<string, ReadonlyMap<string, VersionRates>>,
  shadowPercent = 100,
): FunctionEntry[] {
  const byName = new Map<string, FunctionEntry>();
  for (const { name, revision, rules } of entries) {
    const seen = rates.get(name);
    const versions = [...new Set([...Object.keys(rules.versions), ...(reachable.find((f) => f.name === name)?.versions ?? [])])].sort();
    byName.set(name, {
      name,
      versions: versions.map((version) => ({ version, weight: weightOf(rules, version), active: version === rules.active, ...(seen?.get(version) ?? noRates) })),
      shadow: rules.shadow === undefined ? null : { version: rules.shadow, percent: shadowPercent },
      disabled: !rules.enabled,
      jurisdictions: rules.jurisdictions ?? null,
      placement: rules.placement ?? null,
      revision,
    });
  }
  for (const f of reachable) {
    if (byName.has(f.name)) continue;
    const seen = rates.get(f.name);
    byName.set(f.name, {
      name: f.name,
      versions: [...f.versions].sort().map((version) => ({ version, weight: version === f.activeVersion ? 100 : 0, active: version === f.activeVersion, ...(seen?.get(version) ?? noRates) })),
      shadow: null,
      disabled: !f.enabled,
      jurisdictions: null,
      placement: null,
      revision: null,
    });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
