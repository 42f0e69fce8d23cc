// AaveDepositManager: the shell around the Aave deposit saga — exchange and chain calls, the position record, runner and scheduler wiring.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LucentError, RuleViolationError } from '@lucent/core';
import { createPgliteEventStore, createPgliteTimerStore, createPostgresEventStore, createPostgresTimerStore } from '@lucent/postgres';
import {
  CommandBus,
  MemoryTimerStore,
  SagaRunner,
  SagaScheduling,
  Scheduler,
  type EventStore,
  type SagaCommandMessage,
  type SagaRunnerHooks,
  type SagaView,
  type TimerStore,
} from '@lucent/runtime';
import { aaveDepositSaga, confirmationKey, type AaveDepositCommand, type AaveDepositInput } from '../domain/sagas/aaveDepositSaga.js';

/**
 * The outside world of a deposit: the exchange that holds the funds and the chain that takes
 * the transaction. Every call carries the saga's idempotency key, as a client order id does,
 * so a call repeated after a crash returns the first answer and changes nothing.
 */
export interface AaveBoundary {
  reserveFunds(r: { key: string; account: string; asset: string; amount: number }): Promise<{ reservationId: string }>;
  releaseFunds(r: { key: string; reservationId: string }): Promise<void>;
  submitDeposit(r: { key: string; account: string; asset: string; amount: number; reservationId: string }): Promise<{ txHash: string }>;
  cancelOrder(r: { key: string; txHash: string }): Promise<void>;
}

export interface BoundaryCall {
  readonly op: 'reserveFunds' | 'releaseFunds' | 'submitDeposit' | 'cancelOrder';
  readonly key: string;
  /** False when the key was seen before and the call changed nothing. */
  readonly applied: boolean;
}

/**
 * In-memory exchange and chain: the embedded default and the unit tests' twin. Balances per
 * account and asset, reservations, transactions; `refuse` lets a test make the chain say no.
 */
export class FakeAaveBoundary implements AaveBoundary {
  readonly calls: BoundaryCall[] = [];
  readonly balances = new Map<string, number>();
  readonly reservations = new Map<string, { account: string; asset: string; amount: number; released: boolean }>();
  readonly transactions = new Map<string, { cancelled: boolean }>();
  private readonly answers = new Map<string, unknown>();

  constructor(private readonly options: { refuse?: (r: { account: string; amount: number }) => string | undefined; startingBalance?: number } = {}) {}

  balance(account: string, asset: string): number {
    return this.balances.get(`${account}/${asset}`) ?? this.options.startingBalance ?? 1_000_000;
  }

  private once<T>(op: BoundaryCall['op'], key: string, apply: () => T): T {
    const seen = this.answers.get(`${op}:${key}`);
    this.calls.push({ op, key, applied: seen === undefined });
    if (seen !== undefined) return seen as T;
    const answer = apply();
    this.answers.set(`${op}:${key}`, answer ?? null);
    return answer;
  }

  reserveFunds(r: { key: string; account: string; asset: string; amount: number }): Promise<{ reservationId: string }> {
    return Promise.resolve(
      this.once('reserveFunds', r.key, () => {
        const have = this.balance(r.account, r.asset);
        if (have < r.amount) throw new RuleViolationError('funds.insufficient', `${r.account} has ${have} ${r.asset}, needs ${r.amount}`);
        this.balances.set(`${r.account}/${r.asset}`, have - r.amount);
        const reservationId = `res-${hash(r.key)}`;
        this.reservations.set(reservationId, { account: r.account, asset: r.asset, amount: r.amount, released: false });
        return { reservationId };
      }),
    );
  }

  releaseFunds(r: { key: string; reservationId: string }): Promise<void> {
    this.once('releaseFunds', r.key, () => {
      const res = this.reservations.get(r.reservationId);
      if (res === undefined || res.released) return;
      res.released = true;
      this.balances.set(`${res.account}/${res.asset}`, this.balance(res.account, res.asset) + res.amount);
    });
    return Promise.resolve();
  }

  submitDeposit(r: { key: string; account: string; asset: string; amount: number; reservationId: string }): Promise<{ txHash: string }> {
    try {
      return Promise.resolve(
        this.once('submitDeposit', r.key, () => {
          const reason = this.options.refuse?.(r);
          if (reason !== undefined) throw new RuleViolationError('chain.refused', reason);
          const txHash = `0x${hash(r.key)}`;
          this.transactions.set(txHash, { cancelled: false });
          return { txHash };
        }),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  cancelOrder(r: { key: string; txHash: string }): Promise<void> {
    this.once('cancelOrder', r.key, () => {
      const tx = this.transactions.get(r.txHash);
      if (tx) tx.cancelled = true;
    });
    return Promise.resolve();
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The stream holding an account's recorded Aave deposits. */
export const aaveDepositStream = (account: string): string => `aave-deposits-${account}`;

type Handler = (message: SagaCommandMessage) => Promise<unknown>;

/**
 * One handler per saga command. Each passes the message's idempotency key on (to the
 * boundary, or to the event store's append), which is what makes a re-run after a crash harmless.
 */
export function aaveDepositHandlers(boundary: AaveBoundary, events: EventStore): Record<AaveDepositCommand['type'], Handler> {
  const command = <T extends AaveDepositCommand['type']>(m: SagaCommandMessage) => m.command as Extract<AaveDepositCommand, { type: T }>;
  return {
    ReserveFunds: (m) => {
      const c = command<'ReserveFunds'>(m);
      return boundary.reserveFunds({ key: m.idempotencyKey, account: c.account, asset: c.asset, amount: c.amount });
    },
    SubmitDeposit: (m) => {
      const c = command<'SubmitDeposit'>(m);
      return boundary.submitDeposit({ key: m.idempotencyKey, account: c.account, asset: c.asset, amount: c.amount, reservationId: c.reservationId });
    },
    RecordPosition: async (m) => {
      const c = command<'RecordPosition'>(m);
      const r = await events.append(
        aaveDepositStream(c.account),
        [{ type: 'AaveDepositRecorded', data: { depositId: m.sagaId, account: c.account, asset: c.asset, amount: c.amount, txHash: c.txHash } }],
        { idempotencyKey: m.idempotencyKey },
      );
      return { position: r.nextVersion };
    },
    ReleaseFunds: async (m) => {
      await boundary.releaseFunds({ key: m.idempotencyKey, reservationId: command<'ReleaseFunds'>(m).reservationId });
      return null;
    },
    CancelOrder: async (m) => {
      await boundary.cancelOrder({ key: m.idempotencyKey, txHash: command<'CancelOrder'>(m).txHash });
      return null;
    },
  };
}

type SagaCommands = { [K in AaveDepositCommand['type']]: { message: SagaCommandMessage; result: unknown } };

export interface AaveDepositManagerOptions {
  readonly events: EventStore;
  readonly timers: TimerStore;
  readonly boundary: AaveBoundary;
  readonly clock?: () => number;
  readonly nodeId?: string;
  readonly hooks?: SagaRunnerHooks;
  /** Close the stores with the manager (when it built them). */
  readonly ownsStores?: boolean;
  /** Scheduler poll period (default 500 ms). */
  readonly pollIntervalMs?: number;
  /** How long a crashed node's claim on a timer blocks others (default 30 s). */
  readonly leaseMs?: number;
}

export class AaveDepositManager {
  readonly commands = new CommandBus<SagaCommands>();
  readonly scheduler: Scheduler;
  readonly runner: SagaRunner;

  constructor(readonly options: AaveDepositManagerOptions) {
    const handlers = aaveDepositHandlers(options.boundary, options.events);
    for (const [type, handler] of Object.entries(handlers)) this.commands.register(type as AaveDepositCommand['type'], handler);
    this.scheduler = new Scheduler({
      store: options.timers,
      ...(options.clock !== undefined && { clock: options.clock }),
      ...(options.nodeId !== undefined && { nodeId: options.nodeId }),
      pollIntervalMs: options.pollIntervalMs ?? 500,
      ...(options.leaseMs !== undefined && { leaseMs: options.leaseMs }),
    });
    this.runner = new SagaRunner({
      store: options.events,
      commands: this.commands,
      scheduling: new SagaScheduling(this.scheduler, 'aave'),
      sagas: [aaveDepositSaga],
      name: 'aave-deposit',
      ...(options.clock !== undefined && { clock: options.clock }),
      ...(options.hooks !== undefined && { hooks: options.hooks }),
    });
  }

  /** Start a deposit; `depositId` makes a repeated request start nothing new. */
  deposit(input: Partial<AaveDepositInput> & Pick<AaveDepositInput, 'account' | 'asset' | 'amount'>, depositId?: string) {
    return this.runner.start(aaveDepositSaga.type, input, depositId !== undefined ? { id: depositId } : {});
  }

  /** A confirmation count reported by the chain for a transaction (repeats of one count are harmless). */
  confirm(txHash: string, confirmations: number) {
    if (!Number.isInteger(confirmations) || confirmations < 0) {
      throw new LucentError('VALIDATION_FAILED', 'confirmations must be an integer >= 0', { confirmations });
    }
    return this.runner.signal(confirmationKey(txHash), { confirmations }, `${txHash}:${confirmations}`);
  }

  status(depositId: string): Promise<SagaView> {
    return this.runner.get(depositId);
  }

  /** Resume unfinished deposits from the event store, then start firing timers. */
  async start(): Promise<number> {
    const resumed = await this.runner.resume();
    this.scheduler.start();
    return resumed;
  }

  async close(): Promise<void> {
    await this.scheduler.stop();
    await this.runner.close();
    if (this.options.ownsStores === true) {
      await this.options.timers.close();
      await this.options.events.close();
    }
  }
}

export interface AaveDepositConfig {
  /** Real server (LUCENT_PG_URL); PGlite under `dataDir`, or in memory, otherwise. */
  readonly postgresUrl?: string;
  readonly dataDir?: string;
  readonly pgSchema?: string;
  /** The outside world; the in-memory fake by default (the only mocked boundary). */
  readonly boundary?: AaveBoundary;
}

/** Build and start the deposit side of the service on embedded defaults or a real PostgreSQL. */
export async function createAaveDepositManager(config: AaveDepositConfig = {}): Promise<AaveDepositManager> {
  let events: EventStore;
  let timers: TimerStore;
  if (config.postgresUrl !== undefined) {
    events = await createPostgresEventStore({ connectionString: config.postgresUrl, schema: config.pgSchema });
    timers = await createPostgresTimerStore({ connectionString: config.postgresUrl, schema: config.pgSchema });
  } else if (config.dataDir !== undefined) {
    // One PGlite database per directory: events and timers each get their own.
    const eventsDir = join(config.dataDir, 'aave-events');
    const timersDir = join(config.dataDir, 'aave-timers');
    mkdirSync(eventsDir, { recursive: true });
    mkdirSync(timersDir, { recursive: true });
    events = await createPgliteEventStore({ dataDir: eventsDir, schema: config.pgSchema });
    timers = await createPgliteTimerStore({ dataDir: timersDir, schema: config.pgSchema });
  } else {
    events = await createPgliteEventStore({ schema: config.pgSchema });
    timers = new MemoryTimerStore();
  }
  const manager = new AaveDepositManager({ events, timers, boundary: config.boundary ?? new FakeAaveBoundary(), ownsStores: true });
  await manager.start();
  return manager;
}
