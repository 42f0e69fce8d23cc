// Bellman–Ford negative-cycle search on small graphs whose cycles are known.
import { describe, expect, it } from 'vitest';
import { findNegativeCycle } from './negativeCycle.js';

describe('findNegativeCycle', () => {
  it('finds the one negative cycle and returns it closed, in edge direction', () => {
    // 0 → 1 → 2 → 0 weighs 1 + (−2) + 0.5 = −0.5; 2 → 3 hangs off it and is not part of it.
    const cycle = findNegativeCycle(4, [
      { from: 0, to: 1, weight: 1 },
      { from: 1, to: 2, weight: -2 },
      { from: 2, to: 0, weight: 0.5 },
      { from: 2, to: 3, weight: -5 },
    ]);
    expect(cycle).toHaveLength(4);
    expect(cycle![0]).toBe(cycle![3]);
    // Any rotation of 0 → 1 → 2 is the same cycle.
    const rotations = [[0, 1, 2], [1, 2, 0], [2, 0, 1]].map((r) => JSON.stringify([...r, r[0]]));
    expect(rotations).toContain(JSON.stringify(cycle));
  });

  it('finds nothing when every cycle weighs zero or more, despite negative edges', () => {
    // 0 → 1 → 0 weighs −1 + 1 = 0; 1 → 2 is negative but on no cycle.
    expect(
      findNegativeCycle(3, [
        { from: 0, to: 1, weight: -1 },
        { from: 1, to: 0, weight: 1 },
        { from: 1, to: 2, weight: -3 },
      ]),
    ).toBeUndefined();
  });

  it('finds a cycle that no other vertex reaches', () => {
    // Vertex 0 has no edge into the 1 ⇄ 2 cycle (weight −0.1): the virtual source still reaches it.
    const cycle = findNegativeCycle(3, [
      { from: 1, to: 2, weight: 0.2 },
      { from: 2, to: 1, weight: -0.3 },
    ]);
    expect(new Set(cycle)).toEqual(new Set([1, 2]));
  });

  it('ignores a cycle whose weight is only rounding noise', () => {
    expect(findNegativeCycle(2, [
      { from: 0, to: 1, weight: 0.1 },
      { from: 1, to: 0, weight: -0.1 - 1e-15 },
    ])).toBeUndefined();
  });
});
