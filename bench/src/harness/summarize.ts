// Fold the results of repeated runs into one figure per (case, metric, side): the median, and the spread around it.
import type { BenchResult } from './types.js';

export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max − min) / median, in percent; 0 for a single run. */
  readonly spreadPct: number;
  readonly runs: number;
}

export interface CaseSummary {
  readonly case: string;
  readonly metric: BenchResult['metric'];
  readonly higherIsBetter: boolean;
  readonly note?: string;
  readonly lucent: Stat;
  readonly baselines: Record<string, Stat>;
  /** Lucent / baseline, taken within each run (where the sides ran side by side), then the median. */
  readonly ratios: Record<string, Stat>;
  /** Baseline names that are physical floors rather than peers. */
  readonly floors: readonly string[];
}

export function median(values: readonly number[]): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
}

export function statOf(values: readonly number[]): Stat {
  const xs = values.filter((v) => Number.isFinite(v));
  const m = median(xs);
  const min = xs.length > 0 ? Math.min(...xs) : Number.NaN;
  const max = xs.length > 0 ? Math.max(...xs) : Number.NaN;
  return { median: m, min, max, spreadPct: xs.length > 1 && m !== 0 ? ((max - min) / Math.abs(m)) * 100 : 0, runs: xs.length };
}

/** Conventional floor names, so an area need not list them: a direct call, raw drivers, a library used alone. */
export function isFloorName(name: string): boolean {
  return name === 'direct' || name.startsWith('direct-') || name.startsWith('raw-') || name.endsWith('-only');
}

/** One summary per (case, metric), in the order cases first appeared. */
export function summarize(runs: readonly (readonly BenchResult[])[]): CaseSummary[] {
  const groups = new Map<string, BenchResult[]>();
  for (const run of runs) {
    for (const r of run) {
      const key = `${r.case}\u0000${r.metric}`;
      const list = groups.get(key);
      if (list) list.push(r);
      else groups.set(key, [r]);
    }
  }
  return [...groups.values()].map((rs) => {
    const first = rs[0] as BenchResult;
    const names = [...new Set(rs.flatMap((r) => Object.keys(r.baselines)))];
    const baselines: Record<string, Stat> = {};
    const ratios: Record<string, Stat> = {};
    for (const name of names) {
      baselines[name] = statOf(rs.map((r) => r.baselines[name] ?? Number.NaN));
      ratios[name] = statOf(rs.map((r) => r.lucent / (r.baselines[name] ?? Number.NaN)));
    }
    const floors = names.filter((n) => isFloorName(n) || rs.some((r) => r.floors?.includes(n)));
    return {
      case: first.case,
      metric: first.metric,
      higherIsBetter: first.higherIsBetter,
      ...(first.note === undefined ? {} : { note: first.note }),
      lucent: statOf(rs.map((r) => r.lucent)),
      baselines,
      ratios,
      floors,
    };
  });
}

/** The JSON BENCHMARKS.md specifies: exactly these five fields per case, medians across runs. */
export function toJson(summaries: readonly CaseSummary[]): object[] {
  return summaries.map((s) => ({
    case: s.case,
    metric: s.metric,
    higherIsBetter: s.higherIsBetter,
    lucent: s.lucent.median,
    baselines: Object.fromEntries(Object.entries(s.baselines).map(([k, v]) => [k, v.median])),
  }));
}
