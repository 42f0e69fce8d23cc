// A Transport whose served calls meet the chaos in force for their function and shard: latency, injected errors, hung calls, dropped replies.
import { DeadlineExceededError } from '@lucent/core';
import type { CallHandler, RemoteCall, RemoteReply, Served, Transport } from '../transport/transport.js';
import { chaosError, type Chaos } from './chaos.js';

const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

/** A reply that is never sent: the promise never settles and nothing holds it. */
const withheld = (): Promise<RemoteReply> => new Promise<RemoteReply>(() => undefined);

async function underChaos(chaos: Chaos, shardId: string, call: RemoteCall, handler: CallHandler): Promise<RemoteReply> {
  // A malformed call is the shard's to refuse: only well-named calls meet faults.
  const faults = typeof call?.name === 'string' ? chaos.forCall(call.name, shardId) : undefined;
  if (faults === undefined) return handler(call);
  await sleep(faults.latencyMs);
  switch (faults.outcome) {
    case 'error':
      return { ok: false, error: chaosError(faults.scope ?? 'shard', faults.target ?? shardId, call.name).toJSON() };
    case 'timeout': {
      // Held like a hung function, until the caller's deadline has passed (at most hangMs), then answered too late.
      await sleep(Math.min(faults.hangMs, Math.max(0, call.deadline - Date.now())));
      const late = new DeadlineExceededError(call.name, call.deadline).toJSON();
      return { ok: false, error: { ...late, details: { ...late.details, chaos: 'timeout' } } };
    }
    case 'drop':
      await handler(call);
      return withheld();
    case 'unreachable':
      return withheld();
    default:
      return handler(call);
  }
}

/**
 * The transport a shard serves on, with `chaos` applied to each call it receives; every other
 * method is the inner transport's. Calls a shard sends (none today) are untouched.
 */
export function chaosTransport(inner: Transport, chaos: Chaos): Transport {
  const wrapped: Transport = {
    request: (shardId, call, waitUntil) => inner.request(shardId, call, waitUntil),
    abandon: (shardId, error) => inner.abandon(shardId, error),
    serve: (shardId: string, handler: CallHandler): Promise<Served> =>
      inner.serve(shardId, (call) => (chaos.active ? underChaos(chaos, shardId, call, handler) : handler(call))),
    publishLoad: (report) => inner.publishLoad(report),
    onLoad: (listener) => inner.onLoad(listener),
    close: () => inner.close(),
  };
  const linkDownSince = inner.linkDownSince?.bind(inner);
  return linkDownSince === undefined ? wrapped : { ...wrapped, linkDownSince };
}
