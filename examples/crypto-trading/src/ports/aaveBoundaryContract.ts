// The one behavioural suite every AaveBoundary implementation must pass (the simulated one here; a testnet client the same way).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import type { AaveBoundary } from './aaveBoundary.js';

/** `make` returns a boundary where every account untouched so far holds `startingBalance` of every asset. */
export function aaveBoundaryContract(name: string, make: (setup: { readonly startingBalance: number }) => AaveBoundary | Promise<AaveBoundary>): void {
  describe(`AaveBoundary contract: ${name}`, () => {
    const fresh = () => ({ account: `acct-${randomUUID()}`, key: randomUUID() });

    it('a repeated reservation key answers with the first reservation and reserves nothing more', async () => {
      const boundary = await make({ startingBalance: 100 });
      const { account, key } = fresh();
      const first = await boundary.reserveFunds({ key, account, asset: 'USDC', amount: 60 });
      expect(first.reservationId).toEqual(expect.any(String));
      expect(await boundary.reserveFunds({ key, account, asset: 'USDC', amount: 60 })).toEqual(first);
      // Had the repeat reserved again, 120 of 100 would be gone: a third, new request for 40 still fits.
      await expect(boundary.reserveFunds({ key: randomUUID(), account, asset: 'USDC', amount: 40 })).resolves.toBeDefined();
    });

    it('refuses a reservation beyond the balance with RULE_VIOLATED funds.insufficient', async () => {
      const boundary = await make({ startingBalance: 100 });
      const { account, key } = fresh();
      await expect(boundary.reserveFunds({ key, account, asset: 'USDC', amount: 101 })).rejects.toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'funds.insufficient' } });
    });

    it('released funds can be reserved again; a repeated release gives nothing back twice', async () => {
      const boundary = await make({ startingBalance: 100 });
      const { account, key } = fresh();
      const { reservationId } = await boundary.reserveFunds({ key, account, asset: 'USDC', amount: 100 });
      const release = { key: `${key}:release`, reservationId };
      await boundary.releaseFunds(release);
      await boundary.releaseFunds(release);
      await boundary.reserveFunds({ key: randomUUID(), account, asset: 'USDC', amount: 100 });
      await expect(boundary.reserveFunds({ key: randomUUID(), account, asset: 'USDC', amount: 1 })).rejects.toMatchObject({ code: 'RULE_VIOLATED' });
    });

    it('a repeated deposit key answers with the first transaction; different keys, different transactions', async () => {
      const boundary = await make({ startingBalance: 1_000 });
      const { account, key } = fresh();
      const { reservationId } = await boundary.reserveFunds({ key, account, asset: 'USDC', amount: 10 });
      const deposit = { key: `${key}:submit`, account, asset: 'USDC', amount: 10, reservationId };
      const first = await boundary.submitDeposit(deposit);
      expect(first.txHash).toMatch(/^0x[0-9a-fA-F]{8,128}$/);
      expect(await boundary.submitDeposit(deposit)).toEqual(first);
      const other = await boundary.submitDeposit({ ...deposit, key: `${key}:submit-2` });
      expect(other.txHash).not.toBe(first.txHash);
    });

    it('cancelling an order is idempotent', async () => {
      const boundary = await make({ startingBalance: 1_000 });
      const { account, key } = fresh();
      const { reservationId } = await boundary.reserveFunds({ key, account, asset: 'USDC', amount: 10 });
      const { txHash } = await boundary.submitDeposit({ key: `${key}:submit`, account, asset: 'USDC', amount: 10, reservationId });
      await boundary.cancelOrder({ key: `${key}:cancel`, txHash });
      await expect(boundary.cancelOrder({ key: `${key}:cancel`, txHash })).resolves.toBeUndefined();
    });
  });
}
