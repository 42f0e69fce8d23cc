// Human-readable numbers for the table and RESULTS.md: rates with k/M, latencies with their unit, ratios with ×.
import type { Metric } from './types.js';

function sig3(x: number): string {
  if (!Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function formatValue(metric: Metric, value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (metric.endsWith('_us')) return value >= 10_000 ? `${sig3(value / 1000)} ms` : `${sig3(value)} µs`;
  if (metric.endsWith('_ms')) return `${sig3(value)} ms`;
  if (metric === 'mb') return `${sig3(value)} MB`;
  if (metric === 'kb_per_op') return `${sig3(value)} kB`;
  const unit = metric.replace(/^.*?_per_s$/, (m) => `${m.slice(0, -6)}/s`);
  const scaled = value >= 1e6 ? `${sig3(value / 1e6)}M` : value >= 1e3 ? `${sig3(value / 1e3)}k` : sig3(value);
  return `${scaled} ${unit}`;
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×` : '—';
}

/** Spread across repeats, (max − min) / median; empty for a single run. */
export function formatSpread(pct: number, runs: number): string {
  return runs > 1 && Number.isFinite(pct) ? `${pct.toFixed(0)}%` : '';
}

/** Whether Lucent leads a baseline, given the metric's direction. */
export function leads(higherIsBetter: boolean, ratio: number): boolean {
  return higherIsBetter ? ratio > 1 : ratio < 1;
}

/** Plain-text table with columns padded to the widest cell. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
