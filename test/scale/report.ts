// The scale run's table: fault · calls sent · failed · p99 · recovery time, and whether each must-show held.
import type { PhaseResult } from './phases.js';

const ms = (v: number | undefined): string => (v === undefined ? '-' : v >= 1_000 ? `${(v / 1_000).toFixed(2)} s` : `${v.toFixed(0)} ms`);

export function formatTable(results: readonly PhaseResult[]): string {
  const rows = results.map((r) => [r.fault, r.sent === undefined ? '-' : String(r.sent), r.failed === undefined ? '-' : String(r.failed), ms(r.p99Ms), ms(r.recoveryMs), r.pass ? 'ok' : 'FAIL']);
  const header = ['fault', 'calls sent', 'failed', 'p99', 'recovery', 'must-show'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const notes = results.flatMap((r) => r.notes.map((n) => `  ${r.fault}: ${n}`));
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', ...notes].join('\n');
}
