// `lucent simulate`: the scale scenario's table and JSON, and flags refused by name.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { simulateCommand } from './simulate.js';

function capture(): { out: () => string; err: () => string } {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  return { out: () => log.mock.calls.map((c) => c.join(' ')).join('\n'), err: () => error.mock.calls.map((c) => c.join(' ')).join('\n') };
}

afterEach(() => vi.restoreAllMocks());

const small = ['--scenario', 'scale', '--shards', '10', '--callers', '200', '--calls', '5000'];

describe('lucent simulate --scenario scale', () => {
  it('prints every policy against the floor and says whether Lucent is within 1.2×', async () => {
    const io = capture();
    expect(await simulateCommand.run(small)).toBe(0);
    expect(io.out()).toMatch(/10 shards of 4\/8 slots, 200 callers/);
    expect(io.out()).toMatch(/sed-fresh .* floor/);
    expect(io.out()).toMatch(/lucent-p2c is [\d.]+× the floor's mean and [\d.]+× its p99: (within|past) 1\.2×/);
  });

  it('gives the scenario, the bound and the ratios as JSON', async () => {
    const io = capture();
    expect(await simulateCommand.run([...small, '--json'])).toBe(0);
    const doc = JSON.parse(io.out()) as { scenario: { shards: unknown[]; callers: number }; bound: number; ratios: { policy: string; p99Ratio: number }[] };
    expect(doc.scenario.shards).toHaveLength(10);
    expect(doc.scenario.callers).toBe(200);
    expect(doc.bound).toBe(1.2);
    expect(doc.ratios.find((r) => r.policy === 'sed-fresh')!.p99Ratio).toBe(1);
  });

  it.each([
    [['--scenario', 'huge'], /--scenario must be one of slow-shard, scale/],
    [['--scenario', 'scale', '--slow', '3'], /--slow applies to --scenario slow-shard only/],
    [['--shards', '10'], /--shards applies to --scenario scale only/],
    [['--scenario', 'scale', '--shards', '1'], /--shards must be an integer of at least 2/],
    [['--scenario', 'scale', '--callers', '2.5'], /--callers must be an integer/],
    [['--scenario', 'scale', '--slots', '4,eight'], /--slots is a comma-separated list of positive integers/],
    [['--scenario', 'scale', '--load', '1'], /--load .* must be below 1/],
    [['--scenario', 'scale', '--calls', '10'], /--calls must be an integer of at least 1000/],
  ])('refuses %j, naming the flag (exit 2)', async (argv, message) => {
    const io = capture();
    expect(await simulateCommand.run(argv)).toBe(2);
    expect(io.err()).toMatch(message);
  });
});
