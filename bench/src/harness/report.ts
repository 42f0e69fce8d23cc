// The run's outputs: the console table and bench/RESULTS.md, both built from the summaries of all repeats.
import { formatRatio, formatSpread, formatValue, leads, textTable } from './format.js';
import type { MachineNotes } from './machine.js';
import type { CaseSummary } from './summarize.js';

/** An area that did not produce results, and why. */
export interface AreaOutcome {
  readonly area: string;
  readonly status: 'skipped' | 'failed';
  readonly reason: string;
}

function direction(s: CaseSummary): string {
  return s.higherIsBetter ? 'higher' : 'lower';
}

/** One row per (case, metric, baseline); a case without baselines gets one row with Lucent alone. */
export function consoleTable(summaries: readonly CaseSummary[], outcomes: readonly AreaOutcome[]): string {
  const rows: string[][] = [];
  for (const s of summaries) {
    const lucent = formatValue(s.metric, s.lucent.median);
    const spread = formatSpread(s.lucent.spreadPct, s.lucent.runs);
    const names = Object.keys(s.baselines);
    if (names.length === 0) rows.push([s.case, s.metric, direction(s), lucent, spread, '', '', '', '']);
    for (const name of names) {
      const ratio = s.ratios[name]?.median ?? Number.NaN;
      rows.push([
        s.case,
        s.metric,
        direction(s),
        lucent,
        spread,
        `${name}${s.floors.includes(name) ? ' (floor)' : ''}`,
        formatValue(s.metric, s.baselines[name]?.median ?? Number.NaN),
        formatRatio(ratio),
        Number.isFinite(ratio) ? (leads(s.higherIsBetter, ratio) ? 'ahead' : 'behind') : '',
      ]);
    }
  }
  const table = textTable(['case', 'metric', 'better', 'Lucent', 'spread', 'baseline', 'value', 'Lucent/base', 'Lucent is'], rows);
  const notes = outcomes.map((o) => `${o.status}: ${o.area} — ${o.reason}`);
  return [table, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

export interface ResultsDocument {
  readonly machine: MachineNotes;
  readonly command: string;
  readonly windowMs: number;
  readonly rounds: number;
  readonly repeat: number;
  readonly elapsedS: number;
  readonly summaries: readonly CaseSummary[];
  readonly outcomes: readonly AreaOutcome[];
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function resultsMarkdown(doc: ResultsDocument): string {
  const m = doc.machine;
  const out: string[] = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/src/run.ts); see docs/benchmarks.md for what each case compares.',
    'Ratios are Lucent ÷ baseline, taken within each repeat (the sides ran alternately in the same',
    'process; each area runs in a fresh process of its own) and then the median. "better" says which',
    'direction of the metric is better. Spread is',
    '(max − min) ÷ median across repeats. The machine is shared: read the ratios, not the absolutes.',
    '',
    '## Run',
    '',
    `- date: ${m.date}`,
    `- command: \`${doc.command}\``,
    `- windows: ${doc.windowMs} ms × ${doc.rounds} rounds per side, whole run repeated ${doc.repeat}×, ${doc.elapsedS.toFixed(0)} s in total`,
    `- machine: ${m.cores} cores, ${m.cpu}, ${m.memoryGb} GB, ${m.os}, load average ${m.loadAtStart.toFixed(2)} at start`,
    `- Node ${m.node}`,
    ...Object.values(m.servers).map((s) => `- ${s.detail}`),
    '',
    '## Results',
    '',
    '| case | metric | better | Lucent | spread | baseline | kind | baseline value | spread | Lucent/baseline | Lucent is |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of doc.summaries) {
    const lucent = formatValue(s.metric, s.lucent.median);
    const spread = formatSpread(s.lucent.spreadPct, s.lucent.runs);
    const names = Object.keys(s.baselines);
    if (names.length === 0) out.push(`| ${s.case} | ${s.metric} | ${direction(s)} | ${lucent} | ${spread} | — | | | | | |`);
    for (const name of names) {
      const b = s.baselines[name];
      const r = s.ratios[name]?.median ?? Number.NaN;
      out.push(
        `| ${s.case} | ${s.metric} | ${direction(s)} | ${lucent} | ${spread} | ${name} | ${s.floors.includes(name) ? 'floor' : 'peer'} | ` +
          `${formatValue(s.metric, b?.median ?? Number.NaN)} | ${b ? formatSpread(b.spreadPct, b.runs) : ''} | ${formatRatio(r)} | ` +
          `${Number.isFinite(r) ? (leads(s.higherIsBetter, r) ? 'ahead' : 'behind') : ''} |`,
      );
    }
  }
  const notes = doc.summaries.filter((s) => s.note !== undefined);
  const seen = new Set<string>();
  if (notes.length > 0) {
    out.push('', '## What was compared', '');
    for (const s of notes) {
      if (seen.has(s.case)) continue;
      seen.add(s.case);
      out.push(`- **${s.case}**: ${cell(s.note ?? '')}`);
    }
  }
  if (doc.outcomes.length > 0) {
    out.push('', '## Not measured in this run', '');
    for (const o of doc.outcomes) out.push(`- ${o.area}: ${o.status} — ${o.reason}`);
  }
  out.push('');
  return out.join('\n');
}
