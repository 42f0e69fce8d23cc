// The Aave deposit saga through the real runner and scheduler on a virtual clock: a 10-minute timeout in milliseconds, and confirmations early, on time and late.
import { describe, expect, it } from 'vitest';
import { FunctionManager } from '@lucent/runtime';
import { SagaTestKit } from '@lucent/runtime/testing';
import { aaveDepositSaga, confirmationKey } from '../domain/sagas/aaveDepositSaga.js';
import { SimulatedAaveBoundary } from '../ports/simulatedAaveBoundary.js';
import { aaveDepositHandlers, aaveDepositStream, createAaveDepositManager } from './aaveDepositManager.js';
import { openInfrastructure } from './infrastructure.js';

const minutes = (n: number): number => n * 60_000;

function setup(options: { confirmOnSubmit?: number; refuse?: string } = {}) {
  const chain = new SimulatedAaveBoundary({ startingBalance: 10_000, refuse: () => options.refuse });
  const base = (events: SagaTestKit['events']) => aaveDepositHandlers(chain, events);
  const kit: SagaTestKit = new SagaTestKit({
    sagas: [aaveDepositSaga],
    handlers: {
      ReserveFunds: (m) => base(kit.events).ReserveFunds(m),
      ReleaseFunds: (m) => base(kit.events).ReleaseFunds(m),
      CancelOrder: (m) => base(kit.events).CancelOrder(m),
      RecordPosition: (m) => base(kit.events).RecordPosition(m),
      SubmitDeposit: async (m) => {
        const r = (await base(kit.events).SubmitDeposit(m)) as { txHash: string };
        // A fast chain: the confirmation arrives before the saga has even registered its wait.
        if (options.confirmOnSubmit !== undefined) await kit.runner.signal(confirmationKey(r.txHash), { confirmations: options.confirmOnSubmit });
        return r;
      },
    },
  });
  return { kit, chain };
}

const input = { account: 'acct-7', asset: 'USDC', amount: 4_000, confirmations: 3 };

describe('Aave deposit saga on a virtual clock', () => {
  it('fires the 10-minute confirmation timeout and compensates (cancel order, then release funds) in milliseconds of real time', async () => {
    const wall = performance.now();
    const { kit, chain } = setup();
    await kit.start('aave.deposit', input, 'dep-timeout');
    expect(chain.balance('acct-7', 'USDC')).toBe(6_000);

    await kit.advance(minutes(10) - 1);
    expect((await kit.get('dep-timeout')).status).toBe('running');
    expect(kit.commandTypes()).toEqual(['ReserveFunds', 'SubmitDeposit']);

    await kit.advance(1);
    const view = await kit.get('dep-timeout');
    expect(view.status).toBe('compensated');
    expect(view.failure).toBe('no 3 confirmations within 600000 ms');
    expect(kit.commandTypes()).toEqual(['ReserveFunds', 'SubmitDeposit', 'CancelOrder', 'ReleaseFunds']);
    expect(chain.balance('acct-7', 'USDC')).toBe(10_000);
    expect([...chain.transactions.values()]).toEqual([{ cancelled: true }]);
    expect(await kit.events.readStream(aaveDepositStream('acct-7'))).toEqual([]);
    // Ten minutes of saga time took a fraction of a second (a generous bound for a loaded machine).
    expect(performance.now() - wall).toBeLessThan(10_000);
  });

  it('matches a confirmation that arrived before the wait was registered (lookback) and records the position', async () => {
    const { kit } = setup({ confirmOnSubmit: 5 });
    await kit.start('aave.deposit', input, 'dep-early');
    await kit.settle();
    const view = await kit.get('dep-early');
    expect(view.status).toBe('completed');
    expect(view.state).toMatchObject({ phase: 'done', confirmations: 5 });
    const recorded = await kit.events.readStream(aaveDepositStream('acct-7'));
    expect(recorded.map((e) => e.data)).toEqual([
      { depositId: 'dep-early', account: 'acct-7', asset: 'USDC', amount: 4_000, txHash: (view.state as { txHash: string }).txHash },
    ]);
  });

  it('waits through too few confirmations, takes the Nth during the wait, and records a late one without applying it', async () => {
    const { kit } = setup();
    await kit.start('aave.deposit', input, 'dep-live');
    await kit.start('aave.deposit', { ...input, account: 'acct-8' }, 'dep-late');
    const tx = async (id: string) => ((await kit.get(id)).state as { txHash: string }).txHash;
    const liveTx = await tx('dep-live');
    const lateTx = await tx('dep-late');

    await kit.advance(minutes(2));
    await kit.signal(confirmationKey(liveTx), { confirmations: 1 }, `${liveTx}:1`);
    expect((await kit.get('dep-live')).status).toBe('running');
    await kit.advance(minutes(3));
    await kit.signal(confirmationKey(liveTx), { confirmations: 3 }, `${liveTx}:3`);
    expect((await kit.get('dep-live')).status).toBe('completed');
    expect((await kit.get('dep-live')).state).toMatchObject({ confirmations: 3 });

    await kit.advance(minutes(6));
    expect((await kit.get('dep-late')).status).toBe('compensated');
    const late = await kit.signal(confirmationKey(lateTx), { confirmations: 3 }, `${lateTx}:3`);
    expect(late.arrival.status).toBe('late');
    expect((await kit.get('dep-late')).status).toBe('compensated');
    expect(await kit.events.readStream(aaveDepositStream('acct-8'))).toEqual([]);
  });

  it('compensates only the reservation when the chain refuses the transaction', async () => {
    const { kit, chain } = setup({ refuse: 'nonce too low' });
    await kit.start('aave.deposit', input, 'dep-refused');
    await kit.settle();
    expect(kit.commandTypes()).toEqual(['ReserveFunds', 'SubmitDeposit', 'ReleaseFunds']);
    expect((await kit.get('dep-refused')).status).toBe('compensated');
    expect(chain.balance('acct-7', 'USDC')).toBe(10_000);
  });

  it('runs on the embedded defaults (events and timers on one in-memory PGlite, simulated chain) in real time', async () => {
    const chain = new SimulatedAaveBoundary({ startingBalance: 5_000 });
    const infrastructure = await openInfrastructure({ dataDir: ':memory:' });
    const manager = await createAaveDepositManager({ functions: new FunctionManager(), infrastructure, boundary: chain });
    infrastructure.start();
    try {
      expect(await manager.deposit({ account: 'emb-1', asset: 'USDC', amount: 1_200, confirmations: 2 }, 'dep-emb')).toEqual({
        sagaId: 'dep-emb',
        created: true,
      });
      const txHash = ((await manager.status('dep-emb')).state as { txHash: string }).txHash;
      await manager.confirm(txHash, 2);
      // The scheduler's loop fires the match; poll with a generous bound.
      for (let i = 0; i < 200 && (await manager.status('dep-emb')).status === 'running'; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await manager.status('dep-emb')).status).toBe('completed');
      expect(chain.balance('emb-1', 'USDC')).toBe(3_800);
      await expect(manager.runner.start('aave.withdraw', {})).rejects.toMatchObject({ code: 'SAGA_TYPE_UNKNOWN' });
      await expect(manager.deposit({ account: '', asset: 'usdc', amount: -1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    } finally {
      await infrastructure.close();
    }
  });
});
