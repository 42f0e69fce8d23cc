// Runs the real SagaRunner and Scheduler in memory on a virtual clock: advance(ms), deliver(event), and read what was issued.
import type { AnySagaDefinition, DomainEvent } from '@lucent/core';
import { VirtualClock } from '@lucent/core/testing';
import { CommandBus } from '../cqrs/commandBus.js';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { MemoryTimerStore } from '../scheduler/memoryTimerStore.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { SagaCommandMessage } from './sagaCommandMessage.js';
import { SagaRunner, type SagaRunnerHooks, type SagaView } from './sagaRunner.js';
import { SagaScheduling } from './sagaScheduling.js';

/** A fake handler of one command type: return a result, throw to fail (a LucentError keeps its code). */
export type FakeCommandHandler = (message: SagaCommandMessage) => unknown;

export interface SagaTestKitOptions {
  readonly sagas: readonly AnySagaDefinition[];
  /** Handlers by command type; a command without one fails with FUNCTION_NOT_FOUND (not retried). */
  readonly handlers?: Readonly<Record<string, FakeCommandHandler>>;
  /** Clock start, epoch ms (default 1,700,000,000,000). */
  readonly start?: number;
  /** Retry jitter in [0, 1) (default 0.5, so backoff is reproducible). */
  readonly random?: () => number;
  readonly hooks?: SagaRunnerHooks;
  /**
   * Simulated crash: after a command matching this ran (before its outcome is recorded) the
   * runner stops dead; `restart()` brings up a new one on the same stores.
   */
  readonly crashAfter?: (message: SagaCommandMessage) => boolean;
  /** Passed to the runner: index events a resume folds before it snapshots the open sagas. */
  readonly indexSnapshotEvery?: number;
}

/** Thrown inside a runner the kit has "killed"; the kit swallows it. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/**
 * ```ts
 * const kit = new SagaTestKit({ sagas: [deposit], handlers: { ReserveFunds: () => ({ reservationId: 'r1' }) } });
 * await kit.start('aave.deposit', input, 'd1');
 * await kit.advance(10 * 60_000);           // milliseconds of real time
 * expect(kit.commandTypes()).toEqual([...]);
 * ```
 * The Scheduler (in-memory timer store) and the runner share the virtual clock; `advance`
 * walks from one due time to the next, so work armed by a firing at t fires at its own time.
 */
export class SagaTestKit {
  readonly clock: VirtualClock;
  readonly events: MemoryEventStore;
  readonly timers: MemoryTimerStore;
  readonly commands = new CommandBus();
  /** Every command execution, in order, retries and compensations included. */
  readonly executed: SagaCommandMessage[] = [];
  private recorded = 0;
  private current: { scheduler: Scheduler; runner: SagaRunner };
  private crashPending = false;

  constructor(private readonly options: SagaTestKitOptions) {
    this.clock = new VirtualClock(options.start ?? 1_700_000_000_000);
    this.events = new MemoryEventStore({ clock: this.clock.now });
    this.timers = new MemoryTimerStore();
    this.current = this.boot();
  }

  get scheduler(): Scheduler {
    return this.current.scheduler;
  }

  get runner(): SagaRunner {
    return this.current.runner;
  }

  /** A fresh Scheduler and runner over the same stores and clock: what a restarted process has. */
  private boot(): { scheduler: Scheduler; runner: SagaRunner } {
    const options = this.options;
    const scheduler = new Scheduler({ store: this.timers, clock: this.clock.now, nodeId: 'saga-test-kit', random: () => 0.5 });
    const handlers = options.handlers ?? {};
    const runner = new SagaRunner({
      store: this.events,
      commands: async (message) => {
        if (this.current?.runner !== runner) throw new SimulatedCrash();
        this.executed.push(message);
        const handler = handlers[message.command.type];
        if (handler === undefined) {
          return this.commands.execute(message.command.type, message);
        }
        return handler(message);
      },
      scheduling: new SagaScheduling(scheduler, 'kit'),
      sagas: options.sagas,
      clock: this.clock.now,
      setTimer: (at, fn) => {
        const id = this.clock.setTimer(at, fn);
        return () => this.clock.clearTimer(id);
      },
      random: options.random ?? (() => 0.5),
      ...(options.indexSnapshotEvery === undefined ? {} : { indexSnapshotEvery: options.indexSnapshotEvery }),
      hooks: {
        ...options.hooks,
        afterExecute: (message, ok) => {
          options.hooks?.afterExecute?.(message, ok);
          if (options.crashAfter?.(message) === true && this.current.runner === runner) {
            // The process "dies" here: the command ran, its outcome is not recorded.
            this.crashPending = true;
            runner.halt();
            throw new SimulatedCrash();
          }
        },
        afterRecord: (id, record) => {
          this.recorded++;
          options.hooks?.afterRecord?.(id, record);
        },
      },
    });
    return { scheduler, runner };
  }

  /** True once `crashAfter` fired and `restart()` has not been called yet. */
  get crashed(): boolean {
    return this.crashPending;
  }

  /** Start a new runner and scheduler on the same stores (the old ones stay dead) and resume unfinished sagas. */
  async restart(): Promise<number> {
    this.current.runner.halt();
    this.crashPending = false;
    this.current = this.boot();
    const resumed = await this.current.runner.resume();
    await this.settle();
    return resumed;
  }

  /** Start a saga; resolves undefined when a simulated crash cut it short. */
  async start(sagaType: string, input: unknown, id?: string) {
    try {
      return await this.runner.start(sagaType, input, id !== undefined ? { id } : {});
    } catch (error) {
      if (error instanceof SimulatedCrash) return undefined;
      throw error;
    }
  }

  /** Hand a domain event to a saga, then let everything it causes settle. */
  async deliver(sagaId: string, event: DomainEvent): Promise<boolean> {
    const applied = await this.runner.deliver(sagaId, event);
    await this.settle();
    return applied;
  }

  /** Hand in an outside event by key (a confirmation), then settle. */
  async signal(key: string, payload: unknown, arrivalId?: string) {
    const result = await this.runner.signal(key, payload, arrivalId);
    await this.settle();
    return result;
  }

  /**
   * Fire whatever is due now and let the work it causes run, until nothing moves. A command
   * that hangs (waiting for the virtual clock to pass its deadline) counts as quiet.
   */
  async settle(): Promise<void> {
    let stalls = 0;
    for (let round = 0; round < 10_000; round++) {
      const before = this.progress();
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      const fired = await this.scheduler.runDue();
      if (fired === 0 && this.progress() === before) {
        if (!this.runner.busy || ++stalls >= 3) return;
      } else {
        stalls = 0;
      }
    }
    throw new Error('SagaTestKit.settle: work keeps re-arming itself at the same instant');
  }

  private progress(): number {
    return this.executed.length + this.recorded;
  }

  /** Move the clock forward by `ms`, firing every timer on the way at its own time. */
  async advance(ms: number): Promise<void> {
    const target = this.clock.now() + ms;
    await this.settle();
    for (let steps = 0; steps < 100_000; steps++) {
      const due = [await this.timers.nextDueAt(), this.clock.nextAt()].filter((t): t is number => t !== undefined);
      const next = due.length > 0 ? Math.min(...due) : undefined;
      if (next === undefined || next > target) break;
      await this.clock.advanceTo(Math.max(next, this.clock.now()), () => this.settle());
    }
    await this.clock.advanceTo(target, () => this.settle());
  }

  /** Command types executed so far, in order (retries appear once per try). */
  commandTypes(): string[] {
    return this.executed.map((m) => m.command.type);
  }

  get(sagaId: string): Promise<SagaView> {
    return this.runner.get(sagaId);
  }
}
