import { describe, expect, it } from 'vitest';
import { seededRandom, seededUuid } from './seededRandom.js';

describe('seededRandom', () => {
  it('repeats a sequence for a seed and differs across seeds', () => {
    const a = seededRandom('x');
    const b = seededRandom('x');
    const c = seededRandom('y');
    const sa = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(sa);
    expect(Array.from({ length: 5 }, c)).not.toEqual(sa);
  });

  it('is roughly uniform on [0, 1)', () => {
    const next = seededRandom('uniform');
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const v = next();
      expect(v >= 0 && v < 1).toBe(true);
      buckets[Math.floor(v * 10)]!++;
    }
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('draws distinct v4-shaped ids', () => {
    const next = seededRandom('ids');
    const ids = new Set(Array.from({ length: 1000 }, () => seededUuid(next)));
    expect(ids.size).toBe(1000);
  });
});
