import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LucentError, RuleViolationError } from '@lucent/core';
import { LucentMetrics } from '../observability/metrics.js';
import { DependencyPolicy, type CircuitTransition } from './dependencyPolicy.js';
import { Resilience } from './resilience.js';

const unavailable = () => new LucentError('UNAVAILABLE', 'exchange feed unreachable');

/** Settles a promise without letting it reject unobserved while timers are advanced. */
const settle = <T>(p: Promise<T>) => p.then((value) => ({ value }), (error: unknown) => ({ error }));

describe('DependencyPolicy', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a dependency failing 100% opens its circuit after the threshold, then calls fail fast, and a half-open probe closes it on recovery', async () => {
    const policy = new DependencyPolicy('exchange-feed', {
      timeoutMs: 1_000,
      retry: false,
      circuit: { consecutiveFailures: 3, failureRate: false, halfOpenAfterMs: 5_000 },
    });
    const transitions: CircuitTransition[] = [];
    policy.onTransition((t) => transitions.push(t));
    let healthy = false;
    let calls = 0;
    // A hung dependency: it answers only when healthy, and otherwise waits until its attempt is aborted.
    const work = (signal: AbortSignal) => {
      calls++;
      if (healthy) return Promise.resolve('quote');
      return new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    };
    for (let i = 0; i < 3; i++) {
      const pending = settle(policy.execute(work));
      await vi.advanceTimersByTimeAsync(1_000);
      const outcome = await pending;
      expect((outcome as { error: LucentError }).error.code).toBe('DEADLINE_EXCEEDED');
    }
    expect(policy.state).toBe('open');
    expect(transitions.map((t) => t.to)).toEqual(['open']);

    // Open: refused at once, without the dependency being called and without waiting for any timer.
    const fast = await settle(policy.execute(work));
    expect((fast as { error: LucentError }).error.code).toBe('UNAVAILABLE');
    expect((fast as { error: LucentError }).error.details).toMatchObject({ dependency: 'exchange-feed', reason: 'circuit-open' });
    expect(calls).toBe(3);

    healthy = true;
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(policy.execute(work)).resolves.toBe('quote');
    expect(policy.state).toBe('closed');
    expect(transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed half-open probe opens the circuit again', async () => {
    const policy = new DependencyPolicy('chain', { retry: false, circuit: { consecutiveFailures: 2, failureRate: false, halfOpenAfterMs: 1_000 } });
    const failing = () => Promise.reject(unavailable());
    for (let i = 0; i < 2; i++) await settle(policy.execute(failing));
    await vi.advanceTimersByTimeAsync(1_000);
    await settle(policy.execute(failing));
    expect(policy.state).toBe('open');
  });

  it('a refusal of the open circuit says which failure opened it (so a 503 or /health/ready names the server that is down)', async () => {
    const policy = new DependencyPolicy('postgres', { retry: false, circuit: { consecutiveFailures: 2, failureRate: false } });
    const refused = () => Promise.reject(new LucentError('UNAVAILABLE', 'PostgreSQL at 127.0.0.1:5433/app is unreachable (ECONNREFUSED)'));
    for (let i = 0; i < 2; i++) await settle(policy.execute(refused));
    const fast = (await settle(policy.execute(() => Promise.resolve(1)))) as { error: LucentError };
    expect(fast.error.message).toBe(
      'postgres is failing: its circuit is open, try again shortly (it opened on: PostgreSQL at 127.0.0.1:5433/app is unreachable (ECONNREFUSED))',
    );
    expect(fast.error.details).toMatchObject({ dependency: 'postgres', reason: 'circuit-open', openedBy: 'PostgreSQL at 127.0.0.1:5433/app is unreachable (ECONNREFUSED)' });
  });

  it('a dependency failing 40% of calls opens the failure-rate breaker, though never 5 in a row', async () => {
    const policy = new DependencyPolicy('chain', {
      retry: false,
      circuit: { consecutiveFailures: 5, failureRate: { threshold: 0.3, windowMs: 10_000, minimumRps: 5 } },
    });
    let opened: number | undefined;
    for (let i = 0; i < 2_000 && opened === undefined; i++) {
      // 2 failures in every 5 calls, 100 calls a second.
      const fails = i % 5 < 2;
      await settle(policy.execute(() => (fails ? Promise.reject(unavailable()) : Promise.resolve(i))));
      if (policy.state === 'open') opened = i;
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(opened).toBeDefined();
    // Not before the window holds minimumRps × 10 s = 50 calls.
    expect(opened).toBeGreaterThanOrEqual(49);
  });

  it('10% of calls failing leaves the failure-rate breaker closed', async () => {
    const policy = new DependencyPolicy('chain', { retry: false, circuit: { failureRate: { threshold: 0.3, minimumRps: 5 } } });
    for (let i = 0; i < 1_000; i++) {
      await settle(policy.execute(() => (i % 10 === 0 ? Promise.reject(unavailable()) : Promise.resolve(i))));
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(policy.state).toBe('closed');
  });

  it('retries transient errors with backoff, never a validation failure or a domain refusal', async () => {
    const policy = new DependencyPolicy('postgres', { retry: { retries: 3, initialDelayMs: 10, maxDelayMs: 100 }, circuit: false });
    let attempts = 0;
    const flaky = settle(
      policy.execute(() => {
        attempts++;
        return attempts < 3 ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) : Promise.resolve('ok');
      }),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await flaky).toEqual({ value: 'ok' });
    expect(attempts).toBe(3);

    for (const refusal of [new RuleViolationError('collateral', 'Borrow exceeds collateral'), new LucentError('VALIDATION_FAILED', 'bad input')]) {
      let tries = 0;
      const outcome = settle(
        policy.execute(() => {
          tries++;
          return Promise.reject(refusal);
        }),
      );
      await vi.advanceTimersByTimeAsync(1_000);
      expect((await outcome) as { error: unknown }).toEqual({ error: refusal });
      expect(tries).toBe(1);
    }
  });

  it('domain refusals do not open the circuit: the dependency answered', async () => {
    const policy = new DependencyPolicy('chain', { retry: false, circuit: { consecutiveFailures: 2, failureRate: false } });
    for (let i = 0; i < 10; i++) await settle(policy.execute(() => Promise.reject(new RuleViolationError('health', 'Health factor too low'))));
    expect(policy.state).toBe('closed');
  });

  it('a full bulkhead refuses UNAVAILABLE at once', async () => {
    const policy = new DependencyPolicy('redis', { bulkhead: { limit: 1, queue: 0 }, timeoutMs: false, retry: false, circuit: false });
    let release: () => void = () => undefined;
    const first = policy.execute(() => new Promise<void>((r) => (release = r)));
    const second = await settle(policy.execute(() => Promise.resolve()));
    expect((second as { error: LucentError }).error.details).toMatchObject({ reason: 'bulkhead-full' });
    release();
    await first;
  });
});

describe('Resilience', () => {
  it('logs and counts breaker transitions and gauges each dependency circuit', async () => {
    const lines: { message: string; fields: unknown }[] = [];
    const log = (message: string, fields?: unknown) => lines.push({ message, fields });
    const logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
    const resilience = new Resilience(
      { defaults: { retry: false }, dependencies: { 'exchange-feed': { circuit: { consecutiveFailures: 2, failureRate: false } } } },
      { logger },
    );
    const metrics = new LucentMetrics({ processMetrics: false }).resilience(resilience);
    const feed = resilience.dependency('exchange-feed');
    expect(resilience.dependency('exchange-feed')).toBe(feed);
    resilience.dependency('postgres');
    for (let i = 0; i < 2; i++) await settle(feed.execute(() => Promise.reject(unavailable())));
    const text = await metrics.render();
    expect(text).toContain('lucent_breaker_state{dependency="exchange-feed"} 1');
    expect(text).toContain('lucent_breaker_state{dependency="postgres"} 0');
    expect(text).toContain('lucent_breaker_transitions_total{dependency="exchange-feed",to="open"} 1');
    expect(lines[0]).toMatchObject({ message: 'Circuit of exchange-feed opened: calls fail fast', fields: { dependency: 'exchange-feed', to: 'open' } });
  });
});
