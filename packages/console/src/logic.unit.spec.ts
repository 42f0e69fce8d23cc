// Pure logic of the console's views: routes, the contract check before a change, audit lines, calls merging, the saga picture.
import { describe, expect, it } from 'vitest';
import { mergeCalls, versionSplit } from './calls.js';
import { activeShare, contractCheck, describeChange, servingUnder } from './registry.js';
import { href, parseHash } from './router.js';
import { layoutTimeline, offsetLabel } from './timeline.js';
import type { CallRecord, RulesEntry } from './types.js';

describe('routes', () => {
  it('reads each view, a function name or saga id, and falls back to the cluster', () => {
    expect(parseHash('#/functions/yield.aprToApy')).toEqual({ view: 'functions', param: 'yield.aprToApy' });
    expect(parseHash(href('sagas', 'order/42 x'))).toEqual({ view: 'sagas', param: 'order/42 x' });
    expect(parseHash('#/calls')).toEqual({ view: 'calls', param: null });
    expect(parseHash('')).toEqual({ view: 'cluster', param: null });
    expect(parseHash('#/nowhere/1')).toEqual({ view: 'cluster', param: null });
  });
});

const fp = (input: string, output: string) => ({ input, output });
const entry: RulesEntry = {
  name: 'f',
  revision: 3,
  rules: {
    active: '1.0.0',
    weights: { '1.1.0': 10 },
    enabled: true,
    versions: {
      '1.0.0': { version: '1.0.0', fingerprint: fp('a', 'b') },
      '1.1.0': { version: '1.1.0', fingerprint: fp('a', 'b') },
      '1.2.0': { version: '1.2.0', fingerprint: fp('a', 'b') },
      '2.0.0': { version: '2.0.0', fingerprint: fp('a', 'c') },
    },
  },
};

describe('contract check before a change', () => {
  it('checks only the versions that would start serving, against the active one', () => {
    const notes = contractCheck(entry, servingUnder('1.0.0', { '1.1.0': 20, '1.2.0': 5, '2.0.0': 1 }));
    expect(notes).toEqual([
      { version: '1.2.0', compatible: true, reason: 'same input and output contracts as 1.0.0' },
      { version: '2.0.0', compatible: false, reason: 'output contract differs from 1.0.0' },
    ]);
    expect(contractCheck(entry, servingUnder('1.0.0', { '2.0.0': 0 }))).toEqual([]);
  });

  it('gives the active version what the other weights leave', () => {
    expect(activeShare('1.0.0', { '1.1.0': 30, '1.2.0': 12.5 })).toBe(57.5);
    expect(activeShare('1.0.0', { '1.1.0': 130 })).toBe(0);
  });
});

describe('audit lines', () => {
  it('names the kill switch and the changed fields', () => {
    const before = { ...entry.rules } as Record<string, unknown>;
    expect(describeChange(before, { ...before, enabled: false })).toBe('disabled (kill switch on)');
    expect(describeChange(before, { ...before, weights: { '1.1.0': 50 } })).toBe('weights {"1.1.0":10} → {"1.1.0":50}');
    expect(describeChange(null, before)).toBe('registered with 1.0.0 active');
  });
});

const call = (at: string, version: string, outcome: 'ok' | 'error' = 'ok', code: string | null = null): CallRecord => ({
  at, function: 'f', version, shard: 's1', outcome, code, message: null, correlationId: `c-${at}`, traceId: null, user: 'u1', durationMs: 1,
});

describe('calls', () => {
  it('puts stream calls over fetched ones without duplicates, newest first, filtered', () => {
    const fetched = [call('2026-01-01T00:00:02Z', '1.0.0'), call('2026-01-01T00:00:01Z', '1.0.0', 'error', 'FUNCTION_DISABLED')];
    const live = [call('2026-01-01T00:00:03Z', '1.1.0'), fetched[0]!];
    const all = mergeCalls(live, fetched, { function: '', code: '', user: '', failedOnly: false }, 10);
    expect(all.map((c) => c.at)).toEqual(['2026-01-01T00:00:03Z', '2026-01-01T00:00:02Z', '2026-01-01T00:00:01Z']);
    expect(mergeCalls(live, fetched, { function: '', code: '', user: '', failedOnly: true }, 10).map((c) => c.code)).toEqual(['FUNCTION_DISABLED']);
    expect(versionSplit(all)).toEqual([
      { key: 'f@1.0.0', count: 2, share: 2 / 3 },
      { key: 'f@1.1.0', count: 1, share: 1 / 3 },
    ]);
  });
});

describe('saga timeline layout', () => {
  it('places one mark per entry along the time axis, with a width for timed entries', () => {
    const layout = layoutTimeline([
      { at: '2026-01-01T00:00:00.000Z', kind: 'started', name: 'start', durationMs: null, detail: null },
      { at: '2026-01-01T00:00:01.000Z', kind: 'step', name: 'reserve', durationMs: 1000, detail: null },
      { at: '2026-01-01T00:00:04.000Z', kind: 'compensation', name: 'release', durationMs: null, detail: 'failed: payment' },
    ], 920);
    expect(layout.marks.map((m) => m.kind)).toEqual(['started', 'step', 'compensation']);
    expect(layout.marks[0]!.x).toBe(layout.plotLeft);
    expect(layout.marks[2]!.x).toBe(layout.plotRight);
    expect(layout.marks[1]!.x).toBeCloseTo(layout.plotLeft + (layout.plotRight - layout.plotLeft) / 4);
    expect(layout.marks[1]!.width).toBeCloseTo((layout.plotRight - layout.plotLeft) / 4);
    expect(layout.marks[1]!.y).toBeGreaterThan(layout.marks[0]!.y);
    expect(layout.ticks.map((t) => t.label)).toEqual(['+0 ms', '+1.0 s', '+2.0 s', '+3.0 s', '+4.0 s']);
    expect(layout.ticks[4]!.x).toBe(layout.plotRight);
    expect(layoutTimeline([{ at: '2026-01-01T00:00:00.000Z', kind: 'wait', name: 'w', durationMs: 1530, detail: null }]).ticks.map((t) => t.label)).toEqual(['+0 ms', '+500 ms', '+1.0 s', '+1.5 s']);
    expect(offsetLabel(90_000)).toBe('+90 s');
  });
});
