// Pure helpers of the Calls view: filters, merging the stream into a fetched page, the version split.
import type { CallRecord } from './types.js';

export interface CallFilter {
  function: string;
  code: string;
  user: string;
  failedOnly: boolean;
}

export function matches(call: CallRecord, filter: CallFilter): boolean {
  if (filter.function !== '' && call.function !== filter.function) return false;
  if (filter.code !== '' && (call.code ?? '') !== filter.code) return false;
  if (filter.user !== '' && (call.user ?? '') !== filter.user) return false;
  if (filter.failedOnly && call.outcome !== 'error') return false;
  return true;
}

const keyOf = (c: CallRecord): string => `${c.correlationId}|${c.at}|${c.function}|${c.version}`;

/** Stream calls (newest first) on top of the fetched ones, without duplicates, newest first, at most `limit`. */
export function mergeCalls(live: readonly CallRecord[], fetched: readonly CallRecord[], filter: CallFilter, limit: number): CallRecord[] {
  const seen = new Set<string>();
  const out: CallRecord[] = [];
  for (const call of [...live, ...fetched]) {
    const key = keyOf(call);
    if (seen.has(key) || !matches(call, filter)) continue;
    seen.add(key);
    out.push(call);
  }
  return out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
}

/** Share of calls per function@version among the given calls, largest first. */
export function versionSplit(calls: readonly CallRecord[]): { key: string; count: number; share: number }[] {
  const counts = new Map<string, number>();
  for (const c of calls) {
    const key = `${c.function}@${c.version ?? '(none)'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([key, count]) => ({ key, count, share: count / calls.length }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}
