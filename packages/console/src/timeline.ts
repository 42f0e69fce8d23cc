// Lays out a saga's timeline for the SVG picture (pure): one row per entry, x from the first entry's time.
import type { TimelineEntry, TimelineKind } from './types.js';

export const kindColours: Record<TimelineKind, string> = {
  started: '#4a5560',
  step: '#1f5fbf',
  wait: '#8a6d00',
  retry: '#c2410c',
  compensation: '#6b3fa0',
  completed: '#1b7a3a',
  failed: '#b3261e',
  compensated: '#9c2c77',
};

export interface Mark {
  kind: TimelineKind;
  name: string;
  detail: unknown;
  at: number;
  durationMs: number | null;
  x: number;
  width: number;
  y: number;
}

export interface Layout {
  marks: Mark[];
  ticks: { x: number; label: string }[];
  width: number;
  height: number;
  plotLeft: number;
  plotRight: number;
  top: number;
  rowHeight: number;
}

/** "+0 ms", "+850 ms", "+2.5 s", "+3 min": offsets from the saga's start. */
export function offsetLabel(ms: number): string {
  if (ms < 1000) return `+${Math.round(ms)} ms`;
  if (ms < 120_000) return `+${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 7_200_000) return `+${Math.round(ms / 60_000)} min`;
  return `+${(ms / 3_600_000).toFixed(1)} h`;
}

/** A round step (1, 2 or 5 times a power of ten, in ms) giving at most 6 ticks over `span` ms. */
export function tickStep(span: number): number {
  const rough = span / 5;
  const power = 10 ** Math.floor(Math.log10(Math.max(rough, 1)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  return Math.max(1, step);
}

export function layoutTimeline(entries: readonly TimelineEntry[], width = 900, rowHeight = 26): Layout {
  const plotLeft = 220;
  const plotRight = width - 20;
  const top = 30;
  const times = entries.map((e) => new Date(e.at).getTime()).filter((t) => Number.isFinite(t));
  const start = times.length === 0 ? 0 : Math.min(...times);
  const end = entries.reduce((max, e) => Math.max(max, new Date(e.at).getTime() + (e.durationMs ?? 0)), start);
  const span = Math.max(1, end - start);
  const scale = (plotRight - plotLeft) / span;
  const marks = entries.map((e, i) => {
    const at = new Date(e.at).getTime();
    const x = plotLeft + (Number.isFinite(at) ? at - start : 0) * scale;
    return { kind: e.kind, name: e.name, detail: e.detail, at, durationMs: e.durationMs, x, width: e.durationMs === null || e.durationMs <= 0 ? 0 : Math.max(3, e.durationMs * scale), y: top + i * rowHeight };
  });
  const step = tickStep(span);
  const ticks: Layout['ticks'] = [];
  for (let t = 0; t <= span; t += step) ticks.push({ x: plotLeft + t * scale, label: offsetLabel(t) });
  return { marks, ticks, width, height: top + entries.length * rowHeight + 10, plotLeft, plotRight, top, rowHeight };
}
