// The simulated Aave boundary passes the AaveBoundary contract, and its refusal hook makes the chain say no.
import { describe, expect, it } from 'vitest';
import { aaveBoundaryContract } from './aaveBoundaryContract.js';
import { SimulatedAaveBoundary } from './simulatedAaveBoundary.js';

aaveBoundaryContract('simulated', ({ startingBalance }) => new SimulatedAaveBoundary({ startingBalance }));

describe('SimulatedAaveBoundary', () => {
  it('refuses a deposit when told to, with chain.refused and the reason, and records which calls applied', async () => {
    const boundary = new SimulatedAaveBoundary({ refuse: ({ amount }) => (amount > 5 ? 'gas limit' : undefined) });
    const { reservationId } = await boundary.reserveFunds({ key: 'k', account: 'a', asset: 'USDC', amount: 6 });
    await expect(boundary.submitDeposit({ key: 'k:s', account: 'a', asset: 'USDC', amount: 6, reservationId })).rejects.toMatchObject({
      code: 'RULE_VIOLATED',
      details: expect.objectContaining({ rule: 'chain.refused' }) as unknown,
      message: expect.stringContaining('gas limit') as unknown,
    });
    await boundary.reserveFunds({ key: 'k', account: 'a', asset: 'USDC', amount: 6 });
    expect(boundary.calls.filter((c) => c.op === 'reserveFunds').map((c) => c.applied)).toEqual([true, false]);
  });
});
