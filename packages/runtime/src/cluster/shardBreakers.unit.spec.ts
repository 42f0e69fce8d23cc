// The per-shard circuit breaker: opens after consecutive transport failures, lets one trial through after its cool-down, closes on success.
import { describe, expect, it } from 'vitest';
import { ShardBreakers } from './shardBreakers.js';

describe('ShardBreakers', () => {
  it('opens only after the configured run of consecutive failures; an answer in between resets the run', () => {
    const b = new ShardBreakers({ failures: 3, halfOpenAfterMs: 1_000 });
    b.failed('a', 0);
    b.failed('a', 0);
    b.succeeded('a');
    b.failed('a', 0);
    b.failed('a', 0);
    expect(b.blocks('a', 0)).toBe(false);
    expect(b.blocked(0)).toEqual([]);
    b.failed('a', 10);
    expect(b.blocks('a', 10)).toBe(true);
    expect(b.admit('a', 10)).toBe(false);
    expect(b.blocked(10)).toEqual(['a']);
    // Other shards are untouched.
    expect(b.admit('b', 10)).toBe(true);
  });

  it('after the cool-down admits exactly one trial call; its failure re-opens, its success closes', () => {
    const b = new ShardBreakers({ failures: 1, halfOpenAfterMs: 1_000 });
    b.failed('a', 0);
    expect(b.admit('a', 999)).toBe(false);
    // Past the cool-down routing may offer the shard again, and the first call through is the trial.
    expect(b.blocks('a', 1_000)).toBe(false);
    expect(b.admit('a', 1_000)).toBe(true);
    expect(b.admit('a', 1_000)).toBe(false);
    expect(b.blocks('a', 1_000)).toBe(true);
    b.failed('a', 1_500);
    expect(b.admit('a', 2_000)).toBe(false);
    expect(b.admit('a', 2_500)).toBe(true);
    b.succeeded('a');
    expect(b.admit('a', 2_500)).toBe(true);
    expect(b.admit('a', 2_500)).toBe(true);
    expect(b.blocked(2_500)).toEqual([]);
  });

  it('forgets a shard that left, so a returning one starts closed', () => {
    const b = new ShardBreakers({ failures: 1, halfOpenAfterMs: 60_000 });
    b.failed('a', 0);
    expect(b.blocked(1)).toEqual(['a']);
    b.forget('a');
    expect(b.blocked(1)).toEqual([]);
    expect(b.admit('a', 1)).toBe(true);
  });
});
