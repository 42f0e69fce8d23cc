// Pure registry helpers for the Functions view: the contract check before a change, and audit entries in words.
import type { RulesEntry } from './types.js';

export interface CompatibilityNote {
  version: string;
  compatible: boolean;
  reason: string;
}

/**
 * The registry's contract check, answered before confirming: each version that would start serving
 * (not the active one nor weighted now) is compared with the active version's contract fingerprints.
 * The registry refuses a change with CONTRACT_INCOMPATIBLE when they differ, unless forced with a reason.
 */
export function contractCheck(entry: RulesEntry, newlyServing: readonly string[]): CompatibilityNote[] {
  const rules = entry.rules;
  const serving = new Set([rules.active, ...Object.entries(rules.weights).filter(([, w]) => w > 0).map(([v]) => v)]);
  const reference = rules.versions[rules.active];
  return newlyServing
    .filter((v) => !serving.has(v))
    .map((version) => {
      const candidate = rules.versions[version];
      if (reference === undefined || candidate === undefined) return { version, compatible: false, reason: `${version} is not registered` };
      const input = reference.fingerprint.input === candidate.fingerprint.input;
      const output = reference.fingerprint.output === candidate.fingerprint.output;
      const reason = input && output ? `same input and output contracts as ${rules.active}` : [input ? '' : 'input contract differs', output ? '' : 'output contract differs'].filter(Boolean).join(', ') + ` from ${rules.active}`;
      return { version, compatible: input && output, reason };
    });
}

/** Versions that get traffic under the given weights (the active one always). */
export function servingUnder(active: string, weights: Record<string, number>): string[] {
  return [active, ...Object.entries(weights).filter(([v, w]) => v !== active && w > 0).map(([v]) => v)];
}

/** What one audited change did, in a line: the top-level rule fields whose value changed. */
export function describeChange(previous: Record<string, unknown> | null, next: Record<string, unknown>): string {
  if (previous === null) return `registered with ${String(next['active'])} active`;
  const parts: string[] = [];
  for (const key of ['enabled', 'active', 'weights', 'shadow', 'jurisdictions', 'placement', 'priority', 'versions']) {
    const a = JSON.stringify(previous[key] ?? null);
    const b = JSON.stringify(next[key] ?? null);
    if (a === b) continue;
    if (key === 'enabled') parts.push(next[key] === false ? 'disabled (kill switch on)' : 'enabled (kill switch off)');
    else if (key === 'versions') {
      const before = Object.keys((previous[key] ?? {}) as object);
      const added = Object.keys((next[key] ?? {}) as object).filter((v) => !before.includes(v));
      parts.push(added.length > 0 ? `registered ${added.join(', ')}` : 'versions changed');
    } else parts.push(`${key} ${a === 'null' ? '(none)' : a} → ${b === 'null' ? '(none)' : b}`);
  }
  return parts.length === 0 ? 'no rule changed' : parts.join('; ');
}

/** Percent the active version gets: what the other weights leave. */
export function activeShare(active: string, weights: Record<string, number>): number {
  const others = Object.entries(weights).reduce((sum, [v, w]) => (v === active || !Number.isFinite(w) ? sum : sum + w), 0);
  return Math.max(0, 100 - others);
}
