// Shadow runs are sampled by correlation id at a configured rate, and the report says what was compared, skipped and sampled out, with examples.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, initialRules, registerVersion, setShadow } from '@lucent/core';
import { FunctionManager } from '../functionManager/functionManager.js';
import { mergeShadowReports, ShadowRunner } from './shadowRunner.js';

const contract = { input: z.object({ x: z.number() }), output: z.object({ y: z.number() }) };
const v1 = defineFunction({ name: 'quote.price', version: '1.0.0', ...contract }, ({ x }) => ({ y: x * 2 }));
/** Disagrees with v1 on odd inputs. */
const v2 = defineFunction({ name: 'quote.price', version: '2.0.0', ...contract }, ({ x }) => ({ y: x % 2 === 0 ? x * 2 : -1 }));
const fp = { input: 'sha256:in', output: 'sha256:out' };

function shadowed(): FunctionManager {
  const manager = new FunctionManager().register(v1, v2);
  manager.applyRules('quote.price', setShadow(registerVersion(initialRules('quote.price', { version: '1.0.0', fingerprint: fp }), { version: '2.0.0', fingerprint: fp }), '2.0.0'));
  return manager;
}

async function run(sampleRate: number, calls = 400): Promise<ShadowRunner> {
  const manager = shadowed();
  // Calls here never yield to the shadows' turn, so every one is in flight at once: room for all of them.
  const runner = new ShadowRunner({ manager, sampleRate, maxInFlight: 1_000 }).start();
  for (let x = 0; x < calls; x++) await manager.invoke('quote.price', { x }, { correlationId: `call-${x}` });
  await runner.stop();
  return runner;
}

describe('ShadowRunner sampling and report', () => {
  it('compares about the configured share of calls, the same calls each time, and counts the rest as sampled out', async () => {
    const [report] = (await run(0.25)).localReport('quote.price');
    const compared = report!.agreed + report!.diverged;
    expect(compared + report!.sampledOut).toBe(400);
    expect(compared).toBeGreaterThan(60);
    expect(compared).toBeLessThan(140);
    expect(report!.skipped).toBe(0);
    const [again] = (await run(0.25)).localReport('quote.price');
    expect(again).toMatchObject({ agreed: report!.agreed, diverged: report!.diverged, sampledOut: report!.sampledOut });
    const [all] = (await run(1)).localReport('quote.price');
    expect(all).toMatchObject({ agreed: 200, diverged: 200, sampledOut: 0, agreementRate: 0.5 });
  });

  it('keeps the latest divergences as examples, with input and both outputs, and merges reports of several shards', async () => {
    const [report] = (await run(1, 20)).localReport('quote.price');
    expect(report!.examples).toHaveLength(5);
    expect(report!.examples[0]).toMatchObject({ correlationId: 'call-19', input: { x: 19 }, liveOutput: { y: 38 }, shadowOutput: { y: -1 } });
    const [merged] = mergeShadowReports([[report!], [report!]]);
    expect(merged).toMatchObject({ agreed: 20, diverged: 20, agreementRate: 0.5 });
    expect(merged!.examples).toHaveLength(5);
  });

  it('refuses a sample rate outside 0..1', () => {
    expect(() => new ShadowRunner({ manager: shadowed(), sampleRate: 1.5 })).toThrow(RangeError);
  });
});
