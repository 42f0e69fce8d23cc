// What a cluster caller can reach: the functions live shards report, merged with the definitions the caller knows.
import type { FunctionMap, FunctionRules, LoadReport } from '@lucent/core';
import type { FunctionInfo } from '../invoker/invoker.js';

/**
 * One entry per function: the versions any live shard hosts (plus the caller's own definition's),
 * enabled when any shard runs it enabled (or, unreported, when the caller knows it), and the active
 * version the registry's rules name, else the caller's definition's, else the first version reported.
 */
export function clusterFunctions(
  reports: Iterable<LoadReport>,
  known: FunctionMap | undefined,
  rulesOf: (name: string) => FunctionRules | undefined,
): FunctionInfo[] {
  const seen = new Map<string, { versions: Set<string>; enabled: boolean }>();
  for (const report of reports) {
    if (report.draining === true) continue;
    for (const [name, hosted] of Object.entries(report.functions)) {
      let entry = seen.get(name);
      if (entry === undefined) seen.set(name, (entry = { versions: new Set(), enabled: false }));
      for (const v of hosted.versions) entry.versions.add(v);
      entry.enabled ||= hosted.enabled;
    }
  }
  for (const fn of Object.values(known ?? {})) {
    let entry = seen.get(fn.name);
    if (entry === undefined) seen.set(fn.name, (entry = { versions: new Set(), enabled: true }));
    entry.versions.add(fn.version);
  }
  return [...seen.entries()].map(([name, e]) => {
    const rules = rulesOf(name);
    return {
      name,
      activeVersion: rules?.active ?? known?.[name]?.version ?? [...e.versions][0]!,
      versions: [...e.versions],
      enabled: rules === undefined ? e.enabled : rules.enabled && e.enabled,
    };
  });
}
