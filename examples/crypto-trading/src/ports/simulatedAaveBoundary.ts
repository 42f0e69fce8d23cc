// SimulatedAaveBoundary: the deterministic in-memory exchange and chain, the service's embedded default and the tests' twin.
import { createHash } from 'node:crypto';
import { RuleViolationError } from '@lucent/core';
import type { AaveBoundary } from './aaveBoundary.js';

export interface BoundaryCall {
  readonly op: 'reserveFunds' | 'releaseFunds' | 'submitDeposit' | 'cancelOrder';
  readonly key: string;
  /** False when the key was seen before and the call changed nothing. */
  readonly applied: boolean;
}

export interface SimulatedAaveBoundaryOptions {
  /** Let a test make the chain refuse a deposit: return the reason. */
  readonly refuse?: (r: { account: string; amount: number }) => string | undefined;
  /** Balance of every account and asset not yet touched (default 1,000,000). */
  readonly startingBalance?: number;
}

/**
 * Balances per account and asset, reservations and transactions in memory; ids derive from the
 * idempotency key (a hash), so the same run gives the same ids. Records every call it answered.
 */
export class SimulatedAaveBoundary implements AaveBoundary {
  readonly calls: BoundaryCall[] = [];
  readonly balances = new Map<string, number>();
  readonly reservations = new Map<string, { account: string; asset: string; amount: number; released: boolean }>();
  readonly transactions = new Map<string, { cancelled: boolean }>();
  private readonly answers = new Map<string, unknown>();

  constructor(private readonly options: SimulatedAaveBoundaryOptions = {}) {}

  balance(account: string, asset: string): number {
    return this.balances.get(`${account}/${asset}`) ?? this.options.startingBalance ?? 1_000_000;
  }

  async reserveFunds(r: { key: string; account: string; asset: string; amount: number }): Promise<{ reservationId: string }> {
    return this.once('reserveFunds', r.key, () => {
      const have = this.balance(r.account, r.asset);
      if (have < r.amount) throw new RuleViolationError('funds.insufficient', `${r.account} has ${have} ${r.asset}, needs ${r.amount}`);
      this.balances.set(`${r.account}/${r.asset}`, have - r.amount);
      const reservationId = `res-${hash(r.key)}`;
      this.reservations.set(reservationId, { account: r.account, asset: r.asset, amount: r.amount, released: false });
      return { reservationId };
    });
  }

  async releaseFunds(r: { key: string; reservationId: string }): Promise<void> {
    this.once('releaseFunds', r.key, () => {
      const res = this.reservations.get(r.reservationId);
      if (res === undefined || res.released) return;
      res.released = true;
      this.balances.set(`${res.account}/${res.asset}`, this.balance(res.account, res.asset) + res.amount);
    });
  }

  async submitDeposit(r: { key: string; account: string; asset: string; amount: number; reservationId: string }): Promise<{ txHash: string }> {
    return this.once('submitDeposit', r.key, () => {
      const reason = this.options.refuse?.(r);
      if (reason !== undefined) throw new RuleViolationError('chain.refused', reason);
      const txHash = `0x${hash(r.key)}`;
      this.transactions.set(txHash, { cancelled: false });
      return { txHash };
    });
  }

  async cancelOrder(r: { key: string; txHash: string }): Promise<void> {
    this.once('cancelOrder', r.key, () => {
      const tx = this.transactions.get(r.txHash);
      if (tx) tx.cancelled = true;
    });
  }

  private once<T>(op: BoundaryCall['op'], key: string, apply: () => T): T {
    const seen = this.answers.get(`${op}:${key}`);
    this.calls.push({ op, key, applied: seen === undefined });
    if (seen !== undefined) return seen as T;
    const answer = apply();
    this.answers.set(`${op}:${key}`, answer ?? null);
    return answer;
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
