// How `lucent limits set|unset` change the stored document: one table at a time, the other left as it was.
import { describe, expect, it } from 'vitest';
import { withRateLimits } from './limits.js';

describe('withRateLimits', () => {
  const doc = { perUser: { '*': { points: 20, perSeconds: 1 } }, perFunction: { 'trading.placeOrder': { points: 100, perSeconds: 1 } } };

  it('sets and changes limits by name, keeping the rest of the document', () => {
    const next = withRateLimits(doc, 'perUser', { 'risk.healthFactor': { points: 3, perSeconds: 60 }, '*': { points: 10, perSeconds: 1 } });
    expect(next).toEqual({
      perUser: { '*': { points: 10, perSeconds: 1 }, 'risk.healthFactor': { points: 3, perSeconds: 60 } },
      perFunction: doc.perFunction,
    });
    expect(doc.perUser['*'].points).toBe(20);
  });

  it('removes a limit, and the table once it is empty', () => {
    expect(withRateLimits(doc, 'perFunction', { 'trading.placeOrder': undefined, 'not.there': undefined })).toEqual({ perUser: doc.perUser });
    expect(withRateLimits({}, 'perUser', { '*': undefined })).toEqual({});
  });
});
