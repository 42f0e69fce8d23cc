// The Scheduler: arms timers in the durable store, claims due ones for this node and runs their handlers.
// A facade: the parts are the handler registry (timerHandlers), arming one-off and cron timers (timerArming), the claim loop
// (claimLoop, with its sleep in wakeableSleep) and the claims it holds with the handler slots (heldClaims), lease renewal
// (leaseRenewal), firing (timerFiring; cron runs and their retries in cronFiring; how a run ends in runCompletion),
// event and condition triggers (eventTriggers) and external waits (externalWaits).
import { randomUUID } from 'node:crypto';
import { ScheduleInvalidError, silentLogger, type Contract, type JsonValue, type Logger, type RetryPolicy } from '@lucent/core';
import type { EventStore, StoredEvent, Subscription } from '../eventStore/eventStore.js';
import { ClaimLoop } from './claimLoop.js';
import { CompletionBatcher } from './completionBatcher.js';
import { CronFirer } from './cronFiring.js';
import { EventTriggers } from './eventTriggers.js';
import { ExternalWaits } from './externalWaits.js';
import { HeldClaims } from './heldClaims.js';
import { LeaseRenewal } from './leaseRenewal.js';
import { checkRetryPolicy } from './retryPolicySchema.js';
import { RunCompletion } from './runCompletion.js';
import type {
  ConditionDefinition,
  ConditionWait,
  CronJob,
  DeliverOptions,
  EventTrigger,
  ExternalWait,
  HandlerOptions,
  OneOffTimer,
  TimerHandler,
  TriggerRequest,
  WaitRegistration,
} from './schedulerApi.js';
import { triggerKinds } from './schedulerApi.js';
import { TimerArming } from './timerArming.js';
import { TimerFirer, type FiringObserver } from './timerFiring.js';
import { TimerHandlers } from './timerHandlers.js';
import type { DeliveryResult, ScheduleResult, TimerOutcomeRecord, TimerRecord, TimerStore } from './timerStore.js';

export { neverDue } from './eventTriggers.js';
export type { FiringObserver } from './timerFiring.js';

export interface SchedulerOptions {
  readonly store: TimerStore;
  /** This process's name in claims and outcomes; make it unique per process. */
  readonly nodeId?: string;
  /** Wall clock, epoch ms. A virtual clock makes every timer testable without waiting. */
  readonly clock?: () => number;
  /** How long a claim protects a firing from other nodes; a crashed node's claims expire after it (default 30 s). */
  readonly leaseMs?: number;
  /**
   * Longest sleep between looks at the store (default 500 ms). A timer another node arms to fire
   * sooner than that is announced at once when the store can (PostgreSQL: NOTIFY).
   */
  readonly pollIntervalMs?: number;
  /** Timers claimed per round trip (default 200). */
  readonly batchSize?: number;
  /**
   * How far ahead the firing loop claims one-off and cron timers, to fire each at its exact due
   * time from memory; the claim's round trip then happens before the due time, not after it
   * (default 250 ms; 0 claims only what is due). Waits and conditions are claimed when due.
   */
  readonly prefetchMs?: number;
  /**
   * Handlers running at once on this node (default: batchSize). Timers due while all slots are
   * busy wait in due order. On top of these the node holds at most one batch claimed ahead.
   */
  readonly maxInFlight?: number;
  /** Retries of a failed one-off or wait handler (default 5 tries). A cron job states its own (`CronJob.retry`). */
  readonly retry?: RetryPolicy;
  /** Misfire grace: a run later than this after its occurrence counts as missed (default 60 s). */
  readonly graceMs?: number;
  /** Needed for event-triggered and conditional triggers. */
  readonly eventStore?: EventStore;
  /** Durable checkpoint name of the trigger subscription (default `lucent.scheduler`). */
  readonly subscriberId?: string;
  readonly logger?: Logger;
  /** Randomness for retry jitter, in [0, 1). */
  readonly random?: () => number;
  /**
   * Longest a handler may run, real ms (default 60 s): past it the run counts as failed (retried
   * by the timer's policy) and its slot is free, rather than held while its lease is renewed.
   */
  readonly handlerTimeoutMs?: number;
}

const defaultRetry: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 };
/** Least time between two batched completion writes while the loop runs (see CompletionBatcher). */
const completionGapMs = 20;

export class Scheduler {
  readonly nodeId: string;
  private readonly store: TimerStore;
  private readonly clock: () => number;
  private readonly log: Logger;
  private readonly handlers: TimerHandlers;
  private readonly arming: TimerArming;
  private readonly triggers: EventTriggers;
  private readonly waits: ExternalWaits;
  private readonly held: HeldClaims;
  private readonly loop: ClaimLoop;
  private readonly renewal: LeaseRenewal;
  private readonly firer: TimerFirer;
  private subscription: Subscription | undefined;
  private unwatch: Promise<(() => Promise<void>) | undefined> | undefined;

  constructor(private readonly options: SchedulerOptions) {
    const store = (this.store = options.store);
    const nodeId = (this.nodeId = options.nodeId ?? `scheduler-${randomUUID().slice(0, 8)}`);
    const clock = (this.clock = options.clock ?? Date.now);
    const log = (this.log = options.logger ?? silentLogger);
    const random = options.random ?? Math.random;
    const leaseMs = options.leaseMs ?? 30_000;
    const batchSize = options.batchSize ?? 200;
    const wake = (): void => this.loop.wake();
    this.handlers = new TimerHandlers(nodeId, clock, options.handlerTimeoutMs ?? 60_000);
    this.arming = new TimerArming({ store, handlers: this.handlers, clock, wake });
    this.triggers = new EventTriggers({ store, handlers: this.handlers, clock, wake });
    this.waits = new ExternalWaits({ store, handlers: this.handlers, clock, wake, log });
    const completions = new CompletionBatcher(store, clock, () => (this.loop.isRunning ? completionGapMs : 0));
    const completion = new RunCompletion({ store, completions, wake, leaseMs, log });
    const cron = new CronFirer({ store, handlers: this.handlers, completion, clock, random, graceMs: options.graceMs ?? 60_000, log });
    const retryPolicy = options.retry === undefined ? defaultRetry : checkRetryPolicy(options.retry, 'retry', 'scheduler options');
    this.firer = new TimerFirer({ handlers: this.handlers, completion, cron, clock, random, retryPolicy, log });
    this.held = new HeldClaims({
      maxInFlight: Math.max(1, options.maxInFlight ?? batchSize),
      batchSize,
      clock,
      fire: (claim) => this.firer.fire(claim),
      roomFreed: wake,
    });
    this.loop = new ClaimLoop({
      store,
      nodeId,
      clock,
      leaseMs,
      pollMs: options.pollIntervalMs ?? 500,
      batchSize,
      prefetchMs: Math.max(0, options.prefetchMs ?? 250),
      held: this.held,
      log,
    });
    this.renewal = new LeaseRenewal({ store, clock, leaseMs, held: this.held, lost: (claim) => completion.lost(claim), log });
  }

  // ── registration (in code, on every node) ────────────────────────────────────────────

  /** Register what runs when a timer naming `name` fires. Register before arming or starting. */
  handle<P = JsonValue>(name: string, fn: TimerHandler<P>, options: HandlerOptions<P> = {}): this {
    this.handlers.handle(name, fn, options);
    return this;
  }

  /** Contract that outside events whose key starts with `keyPrefix` must satisfy; malformed ones are refused, not stored. */
  defineExternal<P>(keyPrefix: string, contract: Contract<P>): this {
    this.waits.define(keyPrefix, contract as Contract);
    return this;
  }

  /** Fire `trigger.handler` once (across all nodes) for each appended event matching the filter. */
  onEvent(trigger: EventTrigger): this {
    this.triggers.onEvent(trigger);
    return this;
  }

  /** Define a predicate that `whenCondition` waits on. */
  defineCondition(definition: ConditionDefinition): this {
    this.triggers.defineCondition(definition);
    return this;
  }

  // ── arming (durable) ─────────────────────────────────────────────────────────────────

  /** A recurring job. Idempotent by id: every node may register it at start; one stored timer results. */
  cron(job: CronJob): Promise<ScheduleResult> {
    return this.arming.cron(job);
  }

  /** A one-off timer after a delay or at an absolute time. Idempotent by id. */
  schedule(t: OneOffTimer): Promise<ScheduleResult> {
    return this.arming.once(t);
  }

  /**
   * Wait for an outside event by key. Runs `onMatch` once when it arrives (including an
   * arrival that came before this call, within the lookback) or `onTimeout` once at the deadline.
   */
  waitFor(wait: ExternalWait): Promise<WaitRegistration> {
    return this.waits.waitFor(wait);
  }

  /**
   * Hand in an outside event (an HTTP callback, a NATS message, a chain confirmation). It is
   * validated, stored durably and matched to the waiting wait on its key; late ones are recorded only.
   */
  deliverExternal(key: string, payload: unknown, options: DeliverOptions = {}): Promise<DeliveryResult> {
    return this.waits.deliver(key, payload, options);
  }

  /**
   * Wait until a defined condition holds for a subject. It is checked at once, then again on
   * every relevant appended event; `onTrue` runs once, or `onTimeout` once at the deadline.
   */
  whenCondition(wait: ConditionWait): Promise<WaitRegistration> {
    return this.triggers.whenCondition(wait);
  }

  /** Arm any trigger from a tagged value (configuration, an HTTP body); unknown kinds are refused. */
  async arm(request: TriggerRequest): Promise<{ readonly id: string; readonly created: boolean }> {
    const kind = (request as { trigger?: unknown } | null)?.trigger;
    switch (request?.trigger) {
      case 'cron': {
        const r = await this.cron(request);
        return { id: r.timer.id, created: r.created };
      }
      case 'delay': {
        const r = await this.schedule(request);
        return { id: r.timer.id, created: r.created };
      }
      case 'external':
        return this.waitFor(request);
      case 'condition':
        return this.whenCondition(request);
      default:
        throw new ScheduleInvalidError('trigger', `Unknown trigger kind ${JSON.stringify(kind)}; expected one of ${triggerKinds.join(', ')}`, {
          trigger: String(kind),
        });
    }
  }

  async cancel(id: string): Promise<boolean> {
    const cancelled = await this.store.cancel(id, this.clock());
    if (cancelled) this.held.drop((c) => c.id === id);
    return cancelled;
  }

  async cancelOwner(owner: string): Promise<number> {
    const n = await this.store.cancelOwner(owner, this.clock());
    if (n > 0) this.held.drop((c) => c.owner === owner);
    return n;
  }

  get(id: string): Promise<TimerRecord | undefined> {
    return this.store.get(id);
  }

  history(id: string): Promise<TimerOutcomeRecord[]> {
    return this.store.outcomes(id);
  }

  // ── running ──────────────────────────────────────────────────────────────────────────

  /** Start the firing loop and, when triggers or conditions are defined, the event subscription. */
  start(): void {
    if (this.loop.isRunning) return;
    const es = this.options.eventStore;
    if (es && this.triggers.any) {
      this.subscription = es.subscribe({
        subscriberId: this.options.subscriberId ?? 'lucent.scheduler',
        handler: (events) => this.handleEvents(events),
        onError: (error) => this.log.error('scheduler trigger subscription failed; retrying', { error: String(error) }),
      });
    }
    this.unwatch = this.store.watch
      ? this.store
          .watch({ due: (dueAt) => this.loop.announced(dueAt), dropped: (token) => this.held.drop((c) => c.claimToken === token) })
          .catch((error: unknown) => {
            this.log.warn('scheduler cannot watch the timer store; relying on polling', { error: String(error) });
            return undefined;
          })
      : undefined;
    this.renewal.start();
    this.loop.start(this.unwatch ?? Promise.resolve(undefined));
  }

  /** Stop claiming, give back timers claimed ahead and not yet fired, and wait for running handlers to finish. */
  async stop(): Promise<void> {
    const looped = this.loop.stop();
    await this.subscription?.stop();
    this.subscription = undefined;
    await looped;
    this.renewal.stop();
    const unfired = this.held.takeUnfired();
    await this.store.release(unfired).catch((error: unknown) => {
      // Not fatal: their leases lapse and another node fires them then.
      this.log.warn('scheduler could not give back prefetched timers', { count: unfired.length, error: String(error) });
    });
    await this.held.settled();
    const unwatch = await this.unwatch;
    this.unwatch = undefined;
    await unwatch?.();
  }

  /** Resolves once every appended event up to `position` has been seen by the triggers. */
  async triggersCaughtUp(position: number, timeoutMs?: number): Promise<void> {
    await this.subscription?.waitFor(position, timeoutMs);
  }

  /**
   * Claim and fire every timer due at the clock's current reading, repeatedly until none is
   * left, and wait for them; returns how many fired. A virtual-clock test calls it directly;
   * the loop started by `start()` does the same work pipelined and ahead of time.
   */
  runDue(): Promise<number> {
    return this.loop.runDue();
  }

  /** Feed appended events to event triggers and conditions (the subscription does; a test kit may too). */
  handleEvents(events: readonly StoredEvent[]): Promise<void> {
    return this.triggers.handleEvents(events);
  }

  // ── firing ───────────────────────────────────────────────────────────────────────────

  /** Install (or with undefined, remove) the observer told of each firing. */
  observeFirings(observer: FiringObserver | undefined): void {
    this.firer.observer = observer;
  }
}
