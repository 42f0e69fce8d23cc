// Acklam's inverse normal CDF against reference quantiles.
import { describe, expect, it } from 'vitest';
import { inverseNormalCdf } from './inverseNormalCdf.js';

// Reference quantiles from python3's statistics.NormalDist().inv_cdf, which implements Wichura's
// AS241 (accurate to about 1e-16), an independent algorithm from the one under test.
const reference: [number, number][] = [
  [0.5, 0],
  [0.9, 1.2815515655446008],
  [0.95, 1.6448536269514715],
  [0.975, 1.9599639845400536],
  [0.99, 2.3263478740408408],
  [0.999, 3.090232306167813],
  [0.3, -0.5244005127080407],
  [0.02425, -1.9729610513118845], // the boundary between Acklam's central and tail regions
  [0.0001, -3.71901648545568],
  [1e-9, -5.9978070150076865],
];

describe('inverseNormalCdf', () => {
  it.each(reference)('Φ⁻¹(%s) = %s within Acklam’s 1.15e-9 relative error', (p, z) => {
    const got = inverseNormalCdf(p);
    if (z === 0) expect(got).toBe(0);
    else expect(Math.abs((got - z) / z)).toBeLessThan(1.15e-9);
  });

  it('is antisymmetric about 0.5', () => {
    for (const p of [0.001, 0.01, 0.2, 0.4]) expect(inverseNormalCdf(1 - p)).toBeCloseTo(-inverseNormalCdf(p), 8);
  });

  it('refuses probabilities outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, 1.5, Number.NaN]) expect(() => inverseNormalCdf(p)).toThrow(RangeError);
  });
});
