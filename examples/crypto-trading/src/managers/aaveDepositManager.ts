// AaveDepositManager: the shell around the Aave deposit saga — exchange and chain calls, the position record, runner and scheduler wiring.
import { createHash } from 'node:crypto';
import { LucentError, validate, type Logger } from '@lucent/core';
import {
  CommandBus,
  LucentServiceBase,
  SagaRunner,
  SagaScheduling,
  type DeliveryResult,
  type EventStore,
  type Invoker,
  type SagaCommandMessage,
  type SagaRunnerHooks,
  type SagaView,
  type Scheduler,
  type StartedSaga,
} from '@lucent/runtime';
import { z } from 'zod';
import {
  AaveDepositInput,
  aaveDepositSaga,
  confirmationKey,
  type AaveDepositCommand,
  type AaveDepositState,
} from '../domain/sagas/aaveDepositSaga.js';
import type { AaveBoundary } from '../ports/aaveBoundary.js';
import type { FunctionRegistry } from '../registry/functionRegistry.js';
import { SimulatedAaveBoundary } from '../ports/simulatedAaveBoundary.js';
import type { Infrastructure } from './infrastructure.js';

export type { AaveBoundary } from '../ports/aaveBoundary.js';

/** The stream holding an account's recorded Aave deposits. */
export const aaveDepositStream = (account: string): string => `aave-deposits-${account}`;

type Handler = (message: SagaCommandMessage) => Promise<unknown>;

/**
 * One handler per saga command. Each passes the message's idempotency key on (to the
 * boundary, or to the event store's append), which is what makes a re-run after a crash harmless.
 */
export function aaveDepositHandlers(
  boundary: AaveBoundary,
  /** Where a message's position is recorded: a store, or one per message (the service's view in the saga's scope). */
  recorder: Pick<EventStore, 'append'> | ((m: SagaCommandMessage) => Pick<EventStore, 'append'>),
): Record<AaveDepositCommand['type'], Handler> {
  const storeFor = (m: SagaCommandMessage) => (typeof recorder === 'function' ? recorder(m) : recorder);
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
      const r = await storeFor(m).append(
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

/** What the chain (or its indexer) reports for a transaction: the callback body, checked before anything is stored. */
export const ChainConfirmation = z.object({
  txHash: z.string().regex(/^0x[0-9a-fA-F]{8,128}$/, 'a transaction hash like 0x1f2e…'),
  confirmations: z.number().int().min(0).max(1_000_000),
});
export type ChainConfirmation = z.infer<typeof ChainConfirmation>;

/** The payload stored for a confirmation key, whatever path (HTTP, NATS, a test) delivers it. */
const ConfirmationPayload = z.object({ confirmations: z.number().int().min(0).max(1_000_000) });

/** A deposit request as a client sends it: the saga's input, with its defaults still to apply. */
export type AaveDepositRequest = z.input<typeof AaveDepositInput>;

export interface AaveDepositManagerOptions {
  readonly events: EventStore;
  /** The service's invoker (the deposit saga's steps are boundary calls; its reducer runs in the runner). */
  readonly functions: Invoker;
  readonly logger?: Logger;
  /** The service's Scheduler: the saga's waits and wake-ups are armed there; its owner starts and stops it. */
  readonly scheduler: Scheduler;
  readonly boundary: AaveBoundary;
  readonly clock?: () => number;
  readonly hooks?: SagaRunnerHooks;
  /** How long a deposit that names no timeout waits for its confirmations (default the saga's, 10 minutes). */
  readonly confirmationTimeoutMs?: number;
}

/** The deposit saga runner's name: its streams are `aave-deposit-<id>`, its index `aave-deposit.index` (what the console and `lucent sagas --runner` read). */
export const aaveDepositRunnerName = 'aave-deposit';

/** The deposit service: the saga runner, its command handlers and the chain's callback; recorded positions carry its ids. */
export class AaveDepositManager extends LucentServiceBase<FunctionRegistry> {
  readonly commands = new CommandBus<SagaCommands>();
  readonly scheduler: Scheduler;
  readonly runner: SagaRunner;
  private closing: Promise<void> | undefined;

  constructor(readonly options: AaveDepositManagerOptions) {
    super({ invoker: options.functions, events: options.events, ...(options.logger !== undefined && { logger: options.logger }) }, 'deposits');
    // A position is recorded by publish from a view scoped to the saga (correlation) and step (causation):
    // fixed ids, so a step re-run after a crash appends the same events and its idempotency key holds.
    const handlers = aaveDepositHandlers(options.boundary, (m) => {
      const view = this.inScope({ correlationId: m.sagaId, causationId: m.idempotencyKey });
      return { append: (stream, events, append) => view.publish(stream, events, append) };
    });
    for (const [type, handler] of Object.entries(handlers)) this.commands.register(type as AaveDepositCommand['type'], handler);
    this.scheduler = options.scheduler;
    // A malformed confirmation is refused before it is stored, on every delivery path.
    this.scheduler.defineExternal(confirmationKey(''), ConfirmationPayload);
    this.runner = new SagaRunner({
      store: options.events,
      commands: this.commands,
      scheduling: new SagaScheduling(this.scheduler, 'aave'),
      sagas: [aaveDepositSaga],
      name: aaveDepositRunnerName,
      ...(options.clock !== undefined && { clock: options.clock }),
      ...(options.hooks !== undefined && { hooks: options.hooks }),
    });
  }

  /** Start a deposit; `depositId` makes a repeated request start nothing new. */
  deposit(input: AaveDepositRequest, depositId?: string): Promise<StartedSaga> {
    return this.runner.start(aaveDepositSaga.type, this.withDefaultTimeout(input), depositId !== undefined ? { id: depositId } : {});
  }

  /**
   * Start a deposit once per (account, idempotency key): a repeat of the same request answers
   * with the first deposit; the same key with a different request is a CONFLICT, and starts nothing.
   */
  async depositOnce(idempotencyKey: string, input: AaveDepositRequest): Promise<StartedSaga> {
    const request = await validate(AaveDepositInput, this.withDefaultTimeout(input), 'input', `saga ${aaveDepositSaga.type}`);
    const depositId = depositIdFor(request.account, idempotencyKey);
    const started = await this.deposit(request, depositId);
    if (started.created) return started;
    const first = ((await this.status(depositId)).state as AaveDepositState).input;
    // Field by field: the stored input comes back from JSON(B) with its keys in another order.
    if ((Object.keys(AaveDepositInput.shape) as (keyof AaveDepositInput)[]).some((k) => first[k] !== request[k])) {
      throw new LucentError('CONFLICT', `Idempotency key ${idempotencyKey} was already used for a different deposit`, { depositId });
    }
    return started;
  }

  /** A confirmation count reported by the chain for a transaction (repeats of one count are harmless). */
  confirm(txHash: string, confirmations: number): Promise<DeliveryResult> {
    return this.confirmCallback({ txHash, confirmations });
  }

  /**
   * The chain's callback as it arrives (an HTTP body, a message): checked against ChainConfirmation
   * first, so a malformed one is a VALIDATION_FAILED naming the field and nothing is stored.
   */
  async confirmCallback(body: unknown): Promise<DeliveryResult> {
    const { txHash, confirmations } = await validate(ChainConfirmation, body, 'input', 'chain confirmation');
    return this.runner.signal(confirmationKey(txHash), { confirmations }, `${txHash}:${confirmations}`);
  }

  status(depositId: string): Promise<SagaView> {
    return this.runner.get(depositId);
  }

  /** Positions recorded by completed deposits of an account, oldest first. */
  async recorded(account: string): Promise<AaveDepositRecord[]> {
    const events = await this.options.events.readStream(aaveDepositStream(account));
    return events.filter((e) => e.type === 'AaveDepositRecorded').map((e) => ({ ...(e.data as Omit<AaveDepositRecord, 'recordedAt'>), recordedAt: e.timestamp }));
  }

  /** Resume unfinished deposits from the event store (before the Scheduler starts firing). */
  start(): Promise<number> {
    return this.runner.resume();
  }

  /** Let running saga work finish; call after the Scheduler has stopped. */
  close(): Promise<void> {
    return (this.closing ??= this.runner.close());
  }

  private withDefaultTimeout(input: AaveDepositRequest): AaveDepositRequest {
    const timeout = this.options.confirmationTimeoutMs;
    return timeout !== undefined && typeof input === 'object' && input !== null && input.timeoutMs === undefined ? { ...input, timeoutMs: timeout } : input;
  }
}

/** A deposit the saga recorded as a position. */
export interface AaveDepositRecord {
  readonly depositId: string;
  readonly account: string;
  readonly asset: string;
  readonly amount: number;
  readonly txHash: string;
  readonly recordedAt: number;
}

/** Saga id of an account's deposit request: stable per idempotency key, safe as a stream name whatever the key holds. */
export function depositIdFor(account: string, idempotencyKey: string): string {
  return `dep-${createHash('sha256').update(account).update('\u0000').update(idempotencyKey).digest('hex').slice(0, 32)}`;
}

export interface AaveDepositConfig {
  readonly functions: Invoker;
  readonly logger?: Logger;
  /** The service's event store and Scheduler; the manager closes with them. */
  readonly infrastructure: Pick<Infrastructure, 'events' | 'scheduler' | 'adopt'>;
  /** The outside world; the deterministic SimulatedAaveBoundary by default. */
  readonly boundary?: AaveBoundary;
  /** Default confirmation timeout of a deposit (default 10 minutes). */
  readonly confirmationTimeoutMs?: number;
}

/** Build the deposit side of the service on the shared infrastructure and resume unfinished deposits. */
export async function createAaveDepositManager(config: AaveDepositConfig): Promise<AaveDepositManager> {
  const { events, scheduler, adopt } = config.infrastructure;
  const manager = new AaveDepositManager({
    events,
    scheduler,
    functions: config.functions,
    ...(config.logger !== undefined && { logger: config.logger }),
    boundary: config.boundary ?? new SimulatedAaveBoundary(),
    ...(config.confirmationTimeoutMs !== undefined && { confirmationTimeoutMs: config.confirmationTimeoutMs }),
  });
  adopt(manager);
  await manager.start();
  return manager;
}
