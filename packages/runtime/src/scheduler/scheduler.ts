// The Scheduler: arms timers in the durable store, claims due ones for this node and runs their handlers.
import { createHash, randomUUID } from 'node:crypto';
import {
  ScheduleInvalidError,
  ValidationError,
  checkTimerRequest,
  decideMisfire,
  defaultCronRetryPolicy,
  firstDueAt,
  jsonValueIssues,
  matchesEventFilter,
  nextRetryAt,
  silentLogger,
  validate,
  type Contract,
  type JsonValue,
  type Logger,
  type RetryPolicy,
} from '@lucent/core';
import type { EventStore, StoredEvent, Subscription } from '../eventStore/eventStore.js';
import { CompletionBatcher } from './completionBatcher.js';
import { cronOccurrences } from './cronSchedule.js';
import type {
  ConditionDefinition,
  ConditionWait,
  CronJob,
  DeliverOptions,
  EventTrigger,
  ExternalWait,
  HandlerOptions,
  OneOffTimer,
  TimerFiring,
  TimerHandler,
  TriggerRequest,
  WaitRegistration,
} from './schedulerApi.js';
import { triggerKinds } from './schedulerApi.js';
import type {
  ClaimedTimer,
  CompleteInput,
  DeliveryResult,
  NewTimer,
  OutcomeInput,
  RetryOf,
  ScheduleResult,
  TimerOutcomeRecord,
  TimerRecord,
  TimerStore,
} from './timerStore.js';
import { withTimeout } from '../resilience/handlerTimeout.js';

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

/** Told of each firing as it starts (metrics): the handler, the kind of timer and how late it is, ms. */
export type FiringObserver = (firing: { readonly handler: string; readonly kind: string; readonly lagMs: number }) => void;

interface HandlerEntry {
  readonly fn: TimerHandler<unknown>;
  readonly contract: Contract | undefined;
}

/** A claim this node holds: waiting for its due time (prefetched) or running. */
interface Held {
  readonly claim: ClaimedTimer;
  timer: NodeJS.Timeout | undefined;
  run: Promise<void> | undefined;
}

const defaultRetry: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 };
const defaultLookbackMs = 7 * 24 * 3_600_000;
/** Least time between two batched completion writes while the loop runs (see CompletionBatcher). */
const completionGapMs = 20;
/** Due time of a condition without a deadline: it waits until it holds or is cancelled. */
export const neverDue = Number.MAX_SAFE_INTEGER;

export class Scheduler {
  readonly nodeId: string;
  private readonly store: TimerStore;
  private firingObserver: FiringObserver | undefined;
  private readonly clock: () => number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly prefetchMs: number;
  private readonly maxInFlight: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly graceMs: number;
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly handlers = new Map<string, HandlerEntry>();
  private readonly externalContracts = new Map<string, Contract>();
  private readonly eventTriggers = new Map<string, EventTrigger>();
  private readonly conditions = new Map<string, ConditionDefinition>();
  private running = false;
  private loop: Promise<void> | undefined;
  private subscription: Subscription | undefined;
  private wakeUp: (() => void) | undefined;
  private sleepUntil = Number.POSITIVE_INFINITY;
  private woken = false;
  private draining: Promise<number> | undefined;
  /** Claims held, by claim token: claimed ahead, waiting for a slot, or running. */
  private readonly held = new Map<string, Held>();
  private readonly maxHeld: number;
  /** The loop claims again once at least this much room is free, so it never claims one timer at a time. */
  private readonly minRoom: number;
  private runningCount = 0;
  /** Due runs waiting for a handler slot, in due order. */
  private readonly waitingForSlot: (() => void)[] = [];
  private readonly completions: CompletionBatcher;
  private renewal: NodeJS.Timeout | undefined;
  private renewing = false;
  private unwatch: Promise<(() => Promise<void>) | undefined> | undefined;

  constructor(private readonly options: SchedulerOptions) {
    this.store = options.store;
    this.nodeId = options.nodeId ?? `scheduler-${randomUUID().slice(0, 8)}`;
    this.clock = options.clock ?? Date.now;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollIntervalMs ?? 500;
    this.batchSize = options.batchSize ?? 200;
    this.prefetchMs = Math.max(0, options.prefetchMs ?? 250);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? this.batchSize);
    this.maxHeld = this.maxInFlight + this.batchSize;
    this.minRoom = Math.max(1, Math.floor(this.batchSize / 4));
    this.completions = new CompletionBatcher(this.store, this.clock, () => (this.running ? completionGapMs : 0));
    this.retryPolicy = options.retry ?? defaultRetry;
    this.graceMs = options.graceMs ?? 60_000;
    this.log = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
  }

  // ── registration (in code, on every node) ────────────────────────────────────────────

  /** Register what runs when a timer naming `name` fires. Register before arming or starting. */
  handle<P = JsonValue>(name: string, fn: TimerHandler<P>, options: HandlerOptions<P> = {}): this {
    if (typeof name !== 'string' || name.length === 0) throw new ScheduleInvalidError('handler', 'A handler needs a non-empty name');
    this.handlers.set(name, { fn: fn as TimerHandler<unknown>, contract: options.payload as Contract | undefined });
    return this;
  }

  /** Contract that outside events whose key starts with `keyPrefix` must satisfy; malformed ones are refused, not stored. */
  defineExternal<P>(keyPrefix: string, contract: Contract<P>): this {
    this.externalContracts.set(keyPrefix, contract as Contract);
    return this;
  }

  /** Fire `trigger.handler` once (across all nodes) for each appended event matching the filter. */
  onEvent(trigger: EventTrigger): this {
    this.requireHandler(trigger.handler, 'handler');
    this.eventTriggers.set(trigger.name, trigger);
    return this;
  }

  /** Define a predicate that `whenCondition` waits on. */
  defineCondition(definition: ConditionDefinition): this {
    this.conditions.set(definition.name, definition);
    return this;
  }

  // ── arming (durable) ─────────────────────────────────────────────────────────────────

  /** A recurring job. Idempotent by id: every node may register it at start; one stored timer results. */
  async cron(job: CronJob): Promise<ScheduleResult> {
    const timezone = job.timezone ?? 'UTC';
    const next = cronOccurrences(job.expression, timezone);
    const payload = job.payload ?? null;
    await this.checkPayload(job.handler, payload);
    const now = this.clock();
    const dueAt = firstDueAt(next, now);
    if (dueAt === undefined) throw new ScheduleInvalidError('cron', `Cron expression ${job.expression} has no future occurrence`);
    checkTimerRequest({ id: job.id, kind: 'cron', handler: job.handler, dueAt, payload, misfire: job.misfire, retryPolicy: job.retry });
    const retryPolicy = job.retry && { maxAttempts: job.retry.maxAttempts, baseDelayMs: job.retry.baseDelayMs, maxDelayMs: job.retry.maxDelayMs };
    const timer: NewTimer = {
      id: job.id,
      kind: 'cron',
      handler: job.handler,
      dueAt,
      payload,
      cron: job.expression,
      timezone,
      misfire: job.misfire,
      // Stored only when stated, so a job registered before policies existed keeps its row (and its missed runs).
      ...(retryPolicy !== undefined ? { retryPolicy } : {}),
    };
    const result = await this.store.schedule(timer, now);
    const stored = result.timer;
    const changed =
      !result.created &&
      (stored.state !== 'pending' ||
        stored.cron !== job.expression ||
        stored.timezone !== timezone ||
        stored.handler !== job.handler ||
        stored.misfire !== job.misfire ||
        !samePolicy(stored.retryPolicy, retryPolicy) ||
        JSON.stringify(stored.payload) !== JSON.stringify(payload));
    if (changed && job.replace !== false) {
      // A changed job definition replaces the stored one; missed runs of the old definition are dropped.
      const replaced = await this.store.replace(timer, now);
      this.wake();
      return { created: false, timer: replaced };
    }
    this.wake();
    return result;
  }

  /** A one-off timer after a delay or at an absolute time. Idempotent by id. */
  async schedule(t: OneOffTimer): Promise<ScheduleResult> {
    const now = this.clock();
    if ((t.dueAt === undefined) === (t.delayMs === undefined)) {
      throw new ScheduleInvalidError('dueAt', 'Give exactly one of dueAt and delayMs');
    }
    if (t.delayMs !== undefined && (!Number.isFinite(t.delayMs) || t.delayMs < 0)) {
      throw new ScheduleInvalidError('delayMs', 'delayMs must be a finite number ≥ 0');
    }
    const payload = t.payload ?? null;
    const timer: NewTimer = {
      id: t.id,
      kind: 'once',
      handler: t.handler,
      dueAt: t.dueAt ?? now + (t.delayMs as number),
      payload,
      ...(t.owner !== undefined ? { owner: t.owner } : {}),
    };
    checkTimerRequest(timer);
    await this.checkPayload(t.handler, payload);
    const result = await this.store.schedule(timer, now);
    if (result.created) this.wake();
    return result;
  }

  /**
   * Wait for an outside event by key. Runs `onMatch` once when it arrives (including an
   * arrival that came before this call, within the lookback) or `onTimeout` once at the deadline.
   */
  async waitFor(wait: ExternalWait): Promise<WaitRegistration> {
    if (!Number.isFinite(wait.timeoutMs) || wait.timeoutMs <= 0) {
      throw new ScheduleInvalidError('timeoutMs', 'timeoutMs must be a finite number > 0');
    }
    const lookbackMs = wait.lookbackMs ?? defaultLookbackMs;
    if (!Number.isFinite(lookbackMs) || lookbackMs < 0) throw new ScheduleInvalidError('lookbackMs', 'lookbackMs must be ≥ 0');
    const now = this.clock();
    const payload = wait.payload ?? null;
    const timer: NewTimer = {
      id: wait.id ?? `wait:${wait.key}`,
      kind: 'external',
      handler: wait.onMatch,
      timeoutHandler: wait.onTimeout,
      dueAt: now + wait.timeoutMs,
      waitKey: wait.key,
      lookbackMs,
      payload,
      ...(wait.owner !== undefined ? { owner: wait.owner } : {}),
    };
    checkTimerRequest(timer);
    await this.checkPayload(wait.onMatch, payload);
    this.requireHandler(wait.onTimeout, 'onTimeout');
    const result = await this.store.schedule(timer, now);
    const matchedOnArrival = result.created && result.timer.match !== undefined;
    this.wake();
    return { id: timer.id, created: result.created, matchedOnArrival };
  }

  /**
   * Hand in an outside event (an HTTP callback, a NATS message, a chain confirmation). It is
   * validated, stored durably and matched to the waiting wait on its key; late ones are recorded only.
   */
  async deliverExternal(key: string, payload: unknown, options: DeliverOptions = {}): Promise<DeliveryResult> {
    if (typeof key !== 'string' || key.length === 0) throw new ScheduleInvalidError('key', 'An outside event needs a non-empty key');
    const issues = jsonValueIssues(payload);
    if (issues.length > 0) throw new ValidationError('input', `outside event ${key}`, issues);
    const contract = this.externalContractFor(key);
    if (contract) await validate(contract, payload, 'input', `outside event ${key}`);
    const arrivalId = options.arrivalId ?? createHash('sha256').update(key).update('\u0000').update(JSON.stringify(payload)).digest('hex');
    const result = await this.store.deliver({ key, payload: payload as JsonValue, arrivalId }, this.clock());
    if (result.arrival.status === 'late') {
      this.log.warn('outside event arrived after its wait timed out; recorded, not applied', { key, timerId: result.arrival.timerId });
    }
    if (result.arrival.status === 'matched') this.wake();
    return result;
  }

  /**
   * Wait until a defined condition holds for a subject. It is checked at once, then again on
   * every relevant appended event; `onTrue` runs once, or `onTimeout` once at the deadline.
   */
  async whenCondition(wait: ConditionWait): Promise<WaitRegistration> {
    const definition = this.conditions.get(wait.condition);
    if (!definition) throw new ScheduleInvalidError('condition', `No condition named ${wait.condition} is defined`);
    if (wait.timeoutMs !== undefined && (!Number.isFinite(wait.timeoutMs) || wait.timeoutMs <= 0)) {
      throw new ScheduleInvalidError('timeoutMs', 'timeoutMs must be a finite number > 0');
    }
    if ((wait.timeoutMs === undefined) !== (wait.onTimeout === undefined)) {
      throw new ScheduleInvalidError('onTimeout', 'Give onTimeout together with timeoutMs');
    }
    const now = this.clock();
    const payload = wait.payload ?? null;
    const waitKey = `${wait.condition}:${wait.subject}`;
    const timer: NewTimer = {
      id: wait.id ?? `condition:${waitKey}`,
      kind: 'condition',
      handler: wait.onTrue,
      dueAt: wait.timeoutMs !== undefined ? now + wait.timeoutMs : neverDue,
      waitKey,
      payload,
      ...(wait.onTimeout !== undefined ? { timeoutHandler: wait.onTimeout } : {}),
      ...(wait.owner !== undefined ? { owner: wait.owner } : {}),
    };
    checkTimerRequest(timer);
    await this.checkPayload(wait.onTrue, payload);
    if (wait.onTimeout !== undefined) this.requireHandler(wait.onTimeout, 'onTimeout');
    const result = await this.store.schedule(timer, now);
    let matched = false;
    if (result.created) matched = await this.checkCondition(definition, wait.subject, undefined, [result.timer]);
    this.wake();
    return { id: timer.id, created: result.created, matchedOnArrival: matched };
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
    if (cancelled) this.dropHeld((c) => c.id === id);
    return cancelled;
  }

  async cancelOwner(owner: string): Promise<number> {
    const n = await this.store.cancelOwner(owner, this.clock());
    if (n > 0) this.dropHeld((c) => c.owner === owner);
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
    if (this.running) return;
    this.running = true;
    const es = this.options.eventStore;
    if (es && (this.eventTriggers.size > 0 || this.conditions.size > 0)) {
      this.subscription = es.subscribe({
        subscriberId: this.options.subscriberId ?? 'lucent.scheduler',
        handler: (events) => this.handleEvents(events),
        onError: (error) => this.log.error('scheduler trigger subscription failed; retrying', { error: String(error) }),
      });
    }
    this.unwatch = this.store.watch
      ? this.store
          .watch({ due: (dueAt) => this.announced(dueAt), dropped: (token) => this.dropHeld((c) => c.claimToken === token) })
          .catch((error: unknown) => {
            this.log.warn('scheduler cannot watch the timer store; relying on polling', { error: String(error) });
            return undefined;
          })
      : undefined;
    // A handler running longer than its lease keeps its claim while this node lives; a node that
    // dies stops renewing, and its timers go to another node once the lease lapses.
    this.renewal = setInterval(() => void this.renewLeases(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.renewal.unref();
    this.loop = this.run();
  }

  /** Stop claiming, give back timers claimed ahead and not yet fired, and wait for running handlers to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.subscription?.stop();
    this.subscription = undefined;
    await this.loop;
    this.loop = undefined;
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = undefined;
    const unfired = [...this.held.values()].filter((h) => h.run === undefined);
    for (const h of unfired) {
      clearTimeout(h.timer);
      this.held.delete(h.claim.claimToken);
    }
    await this.store.release(unfired.map((h) => h.claim)).catch((error: unknown) => {
      // Not fatal: their leases lapse and another node fires them then.
      this.log.warn('scheduler could not give back prefetched timers', { count: unfired.length, error: String(error) });
    });
    await Promise.all([...this.held.values()].map((h) => h.run));
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
  async runDue(): Promise<number> {
    // Concurrent callers share one drain so two manual calls never interleave claims.
    if (this.draining) return this.draining;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drain(): Promise<number> {
    let fired = 0;
    for (;;) {
      const claims = await this.store.claimDue(this.nodeId, this.clock(), this.leaseMs, this.batchSize);
      if (claims.length === 0) return fired;
      await Promise.all(claims.map((c) => this.hold(c, false)));
      fired += claims.length;
      if (claims.length < this.batchSize) return fired;
    }
  }

  /** Feed appended events to event triggers and conditions (the subscription does; a test kit may too). */
  async handleEvents(events: readonly StoredEvent[]): Promise<void> {
    for (const event of events) {
      for (const trigger of this.eventTriggers.values()) {
        if (!matchesEventFilter(trigger.filter, event)) continue;
        const payload = trigger.payloadOf
          ? trigger.payloadOf(event)
          : ({ stream: event.stream, type: event.type, data: event.data as JsonValue, globalPosition: event.globalPosition } as JsonValue);
        // The id makes every node's copy of this event one timer, so the handler runs once in all.
        const now = this.clock();
        const r = await this.store.schedule(
          { id: `event:${trigger.name}:${event.globalPosition}`, kind: 'once', handler: trigger.handler, dueAt: now, payload },
          now,
        );
        if (r.created) this.wake();
      }
      for (const definition of this.conditions.values()) {
        if (!matchesEventFilter(definition.filter, event)) continue;
        for (const subject of subjectsOf(definition, event)) {
          const waiting = (
            await this.store.list({ kind: 'condition', waitKey: `${definition.name}:${subject}`, state: 'pending' })
          ).filter((t) => t.match === undefined);
          if (waiting.length > 0) await this.checkCondition(definition, subject, event, waiting);
        }
      }
    }
  }

  private async checkCondition(
    definition: ConditionDefinition,
    subject: string,
    event: StoredEvent | undefined,
    waiting: readonly TimerRecord[],
  ): Promise<boolean> {
    const check = await definition.holds(subject, event);
    if (!check.holds) return false;
    const now = this.clock();
    const evidenceId = event ? `event:${event.globalPosition}` : `check:${now}`;
    let any = false;
    for (const t of waiting) {
      if (await this.store.match(t.id, { arrivalId: evidenceId, payload: check.evidence, arrivedAt: now }, now)) any = true;
    }
    if (any) this.wake();
    return any;
  }

  /**
   * The firing loop. Claims never wait for handlers or their completions (those are written in
   * batches beside it), and one-off and cron timers are claimed up to `prefetchMs` ahead and
   * fired from memory at their due time, so the claim's commit is off the firing path. It wakes
   * half a prefetch window before the next due time, so each claim carries that much work.
   */
  private async run(): Promise<void> {
    // Claim nothing ahead before listening: a cancellation announced meanwhile would be missed.
    await this.unwatch;
    while (this.running) {
      const now = this.clock();
      const room = this.maxHeld - this.held.size;
      let claimed = 0;
      if (room >= this.minRoom) {
        try {
          const limit = Math.min(this.batchSize, room);
          const claims = await this.store.claimDue(this.nodeId, now, this.leaseMs, limit, { prefetchUntil: now + this.prefetchMs });
          for (const c of claims) void this.hold(c, true);
          claimed = claims.length;
          if (claimed === limit) continue;
        } catch (error) {
          this.log.error('scheduler could not claim due timers; retrying', { error: String(error) });
        }
      }
      if (!this.running) break;
      let wakeAt = now + this.pollMs;
      if (room >= this.minRoom) {
        try {
          const next = await this.store.nextDueAt();
          if (next !== undefined) {
            // A timer the last claim could have taken early but did not is a wait or a condition
            // (never prefetched): wake exactly at its due time, not in a tight loop before it.
            const early = next - this.prefetchMs / 2;
            wakeAt = Math.min(wakeAt, early > now ? early : next);
          }
        } catch {
          // The claim above reports store trouble; here the poll period is a safe default.
        }
      }
      await this.sleep(wakeAt);
    }
  }

  /** Keep a claim until it has run: fire it at its due time (at once when `defer` is false or it is due). */
  private hold(claim: ClaimedTimer, defer: boolean): Promise<void> {
    const h: Held = { claim, timer: undefined, run: undefined };
    this.held.set(claim.claimToken, h);
    return new Promise((resolve) => {
      const start = (): void => {
        h.timer = undefined;
        if (!this.held.has(claim.claimToken)) {
          // Dropped (cancelled or given back) while it waited: pass its turn on.
          if (this.runningCount < this.maxInFlight) this.waitingForSlot.shift()?.();
          return resolve();
        }
        if (this.runningCount >= this.maxInFlight) {
          this.waitingForSlot.push(start);
          return;
        }
        this.runningCount++;
        h.run = this.fire(claim).finally(() => {
          this.runningCount--;
          this.held.delete(claim.claimToken);
          this.waitingForSlot.shift()?.();
          // The loop may be waiting for room.
          if (this.maxHeld - this.held.size === this.minRoom) this.wake();
        });
        void h.run.then(resolve);
      };
      const delay = claim.dueAt - this.clock();
      if (!defer || claim.reason !== 'due' || delay <= 0) start();
      else h.timer = setTimeout(start, delay);
    });
  }

  /** Forget held claims that were cancelled before they fired (a running handler is not interrupted). */
  private dropHeld(which: (claim: ClaimedTimer) => boolean): void {
    let dropped = false;
    for (const [token, h] of this.held) {
      if (h.run !== undefined || !which(h.claim)) continue;
      clearTimeout(h.timer);
      this.held.delete(token);
      dropped = true;
    }
    // The loop may be waiting for room.
    if (dropped) this.wake();
  }

  /** Another process armed (or matched) a timer due soon: wake if it is due before the planned wake-up. */
  private announced(dueAt: number): void {
    if (dueAt - this.prefetchMs / 2 < this.sleepUntil) this.wake();
  }

  private async renewLeases(): Promise<void> {
    if (this.renewing || this.held.size === 0) return;
    this.renewing = true;
    try {
      const claims = [...this.held.values()].map((h) => h.claim);
      const kept = new Set(await this.store.renew(claims, this.clock(), this.leaseMs));
      for (const claim of claims) {
        if (kept.has(claim.id)) continue;
        const h = this.held.get(claim.claimToken);
        if (h?.run !== undefined) this.lostClaim(claim);
        else this.dropHeld((c) => c.claimToken === claim.claimToken);
      }
    } catch (error) {
      this.log.warn('scheduler could not renew its leases; retrying', { error: String(error) });
    } finally {
      this.renewing = false;
    }
  }

  /** Sleep until the clock reads `until` (at most the poll period), or until woken. */
  private sleep(until: number): Promise<void> {
    const ms = until - this.clock();
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    if (ms <= 0) return Promise.resolve();
    this.sleepUntil = until;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        this.sleepUntil = Number.POSITIVE_INFINITY;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.sleepUntil = Number.POSITIVE_INFINITY;
        resolve();
      };
    });
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    if (w) w();
    else this.woken = true;
  }

  /** Finish or re-arm a claimed run through the batched completions; logs when the claim was lost meanwhile. */
  private async finish(claim: ClaimedTimer, input: CompleteInput): Promise<void> {
    if (!(await this.completions.complete({ claim, input }))) this.lostClaim(claim);
    // A re-armed timer, or a retry armed with it, may be due before the loop's planned wake-up.
    else if (input.rearmAt !== undefined || (input.arm?.length ?? 0) > 0) this.wake();
  }

  /** Give a failed run back to be tried again at `retryAt`; the loop may have planned to sleep past it. */
  private async retryLater(claim: ClaimedTimer, retryAt: number, error: string, now: number): Promise<void> {
    if (!(await this.store.retry(claim, retryAt, error, now))) this.lostClaim(claim);
    else this.wake();
  }

  // ── firing ───────────────────────────────────────────────────────────────────────────

  /** Install (or with undefined, remove) the observer told of each firing. */
  observeFirings(observer: FiringObserver | undefined): void {
    this.firingObserver = observer;
  }

  private async fire(claim: ClaimedTimer): Promise<void> {
    if (this.firingObserver !== undefined) {
      const handler = claim.reason === 'timeout' ? claim.timeoutHandler : claim.handler;
      this.firingObserver({ handler: handler ?? claim.handler, kind: claim.kind, lagMs: Math.max(0, this.clock() - claim.dueAt) });
    }
    try {
      if (claim.kind === 'cron') await this.fireCron(claim);
      else if (claim.retryOf !== undefined) await this.fireCronRetry(claim, claim.retryOf);
      else await this.fireOnce(claim);
    } catch (error) {
      // Store trouble while finishing: the lease runs out and another node (or this one) fires it again.
      this.log.error('scheduler could not finish a timer', { timerId: claim.id, error: String(error) });
    }
  }

  private async fireOnce(claim: ClaimedTimer): Promise<void> {
    const handlerName = claim.reason === 'timeout' ? claim.timeoutHandler : claim.handler;
    const outcome: OutcomeInput['outcome'] = claim.reason === 'matched' ? 'matched' : claim.reason === 'timeout' ? 'timeout' : 'fired';
    const scheduledFor = claim.reason === 'matched' ? (claim.match?.arrivedAt ?? claim.dueAt) : (claim.deadline ?? claim.dueAt);
    const error = await this.invoke(handlerName, claim, scheduledFor);
    const now = this.clock();
    if (error === undefined) {
      await this.finish(claim, { outcomes: [{ outcome, scheduledFor }] });
      return;
    }
    const retryAt = nextRetryAt(this.retryPolicy, claim.attempts + 1, now, this.random());
    if (retryAt !== undefined) {
      this.log.warn('timer handler failed; retrying', { timerId: claim.id, attempt: claim.attempts + 1, error });
      await this.retryLater(claim, retryAt, error, now);
      return;
    }
    this.log.error('timer handler failed for the last time', { timerId: claim.id, attempts: claim.attempts + 1, error });
    await this.finish(claim, { outcomes: [{ outcome: 'failed', scheduledFor, detail: { error, reason: claim.reason } }] });
  }

  private async fireCron(claim: ClaimedTimer): Promise<void> {
    const next = cronOccurrences(claim.cron ?? '', claim.timezone);
    const decision = decideMisfire({ policy: claim.misfire ?? 'skip', dueAt: claim.dueAt, now: this.clock(), next, graceMs: this.graceMs });
    const policy = claim.retryPolicy ?? defaultCronRetryPolicy;
    const outcomes: OutcomeInput[] = [];
    const retries: NewTimer[] = [];
    for (const scheduledFor of decision.fire) {
      const error = await this.invoke(claim.handler, claim, scheduledFor);
      if (error === undefined) {
        outcomes.push({ outcome: 'fired', scheduledFor });
        continue;
      }
      const retryAt = nextRetryAt(policy, 1, this.clock(), this.random());
      if (retryAt === undefined) {
        outcomes.push({ outcome: 'failed', scheduledFor, detail: { error, attempts: 1 } });
        this.log.error('cron run failed and its job allows no retry; the job continues at its next occurrence', { timerId: claim.id, scheduledFor, error });
        continue;
      }
      // The retry is a timer of its own, armed with this completion: the job still re-arms at its
      // next occurrence, and a run whose claim was lost (another node runs it again) arms none.
      outcomes.push({ outcome: 'retrying', scheduledFor, detail: { error, attempts: 1, retryAt } });
      retries.push(cronRetryTimer(claim, scheduledFor, retryAt, policy));
      this.log.warn('cron run failed; retrying', { timerId: claim.id, scheduledFor, attempt: 1, retryAt, error });
    }
    if (decision.skipped > 0) {
      outcomes.push({ outcome: 'skipped', scheduledFor: claim.dueAt, detail: { count: decision.skipped, policy: claim.misfire ?? 'skip' } });
    }
    await this.finish(claim, {
      outcomes,
      ...(decision.nextDueAt !== undefined ? { rearmAt: decision.nextDueAt } : {}),
      ...(retries.length > 0 ? { arm: retries } : {}),
    });
  }

  /**
   * Try a failed cron run again, through its retry timer: same handler, payload, occurrence and
   * firing key as the run. Its further failures back off on the same timer (`store.retry`); after
   * the last try the run is logged `failed` under the job.
   */
  private async fireCronRetry(claim: ClaimedTimer, of: RetryOf): Promise<void> {
    const { timerId, scheduledFor } = of;
    const job = await this.store.get(timerId);
    if (job === undefined || job.state === 'cancelled') {
      // Cancelling a job stops its runs, including the retries of those that failed.
      await this.finish(claim, { outcomes: [{ outcome: 'cancelled', scheduledFor, detail: { reason: 'the job was cancelled before this retry' } }] });
      return;
    }
    // The run itself was try 1, and each failed retry counted one attempt on this timer.
    const tries = claim.attempts + 2;
    const error = await this.invoke(claim.handler, claim, scheduledFor, { firingKey: `${timerId}@${scheduledFor}`, attempt: tries - 1 });
    if (error === undefined) {
      await this.finish(claim, { outcomes: [{ outcome: 'fired', scheduledFor, detail: { attempts: tries } }] });
      return;
    }
    const now = this.clock();
    const retryAt = nextRetryAt(claim.retryPolicy ?? defaultCronRetryPolicy, tries, now, this.random());
    if (retryAt !== undefined) {
      this.log.warn('cron run failed again; retrying', { timerId, scheduledFor, attempt: tries, retryAt, error });
      await this.retryLater(claim, retryAt, error, now);
      return;
    }
    this.log.error('cron run failed for the last time', { timerId, scheduledFor, attempts: tries, error });
    await this.finish(claim, { outcomes: [{ outcome: 'failed', scheduledFor, detail: { error, attempts: tries } }] });
  }

  /** Run one handler; returns the error message when it failed. A cron retry names the run it repeats in `run`. */
  private async invoke(
    name: string | undefined,
    claim: ClaimedTimer,
    scheduledFor: number,
    run: { readonly firingKey?: string; readonly attempt?: number } = {},
  ): Promise<string | undefined> {
    const entry = name === undefined ? undefined : this.handlers.get(name);
    if (entry === undefined) return `no handler named ${String(name)} is registered on node ${this.nodeId}`;
    try {
      const payload = entry.contract ? await validate(entry.contract, claim.payload, 'input', `timer ${claim.id}`) : claim.payload;
      const firing: TimerFiring<unknown> = {
        timer: claim,
        payload,
        reason: claim.reason,
        scheduledFor,
        firingKey: run.firingKey ?? `${claim.id}@${scheduledFor}`,
        ...(claim.match !== undefined ? { match: claim.match } : {}),
        now: this.clock(),
        attempt: run.attempt ?? claim.attempts,
      };
      await withTimeout(entry.fn(firing), this.options.handlerTimeoutMs ?? 60_000, `timer handler ${String(name)}`);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  private lostClaim(claim: ClaimedTimer): void {
    this.log.warn('timer claim expired before the run finished; another node may run it again', { timerId: claim.id, leaseMs: this.leaseMs });
  }

  // ── checks ───────────────────────────────────────────────────────────────────────────

  private requireHandler(name: unknown, field: string): HandlerEntry {
    const entry = typeof name === 'string' ? this.handlers.get(name) : undefined;
    if (!entry) throw new ScheduleInvalidError(field, `No timer handler named ${JSON.stringify(name)} is registered; call scheduler.handle() first`);
    return entry;
  }

  private async checkPayload(handler: string, payload: JsonValue): Promise<void> {
    const entry = this.requireHandler(handler, 'handler');
    const issues = jsonValueIssues(payload);
    if (issues.length > 0) throw new ValidationError('input', `timer payload for ${handler}`, issues);
    if (entry.contract) await validate(entry.contract, payload, 'input', `timer payload for ${handler}`);
  }

  private externalContractFor(key: string): Contract | undefined {
    let best: string | undefined;
    for (const prefix of this.externalContracts.keys()) {
      if (key.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
    }
    return best === undefined ? undefined : this.externalContracts.get(best);
  }
}

/** The distinct subjects an event concerns for a condition (one, several, or none). */
function subjectsOf(definition: ConditionDefinition, event: StoredEvent): readonly string[] {
  const subjects = definition.subjectOf(event);
  if (subjects === undefined) return [];
  return typeof subjects === 'string' ? [subjects] : [...new Set(subjects)];
}

/** The retry timer of a failed cron run: its id makes one per (job, occurrence) across nodes. */
function cronRetryTimer(job: ClaimedTimer, scheduledFor: number, dueAt: number, policy: RetryPolicy): NewTimer {
  return {
    id: `retry:${job.id}@${scheduledFor}`,
    kind: 'once',
    handler: job.handler,
    dueAt,
    payload: job.payload,
    // `cancelOwner('cron:<job id>')` drops a job's pending retries.
    owner: `cron:${job.id}`,
    retryPolicy: policy,
    retryOf: { timerId: job.id, scheduledFor },
  };
}

function samePolicy(a: RetryPolicy | undefined, b: RetryPolicy | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.maxAttempts === b.maxAttempts && a.baseDelayMs === b.baseDelayMs && a.maxDelayMs === b.maxDelayMs;
}
