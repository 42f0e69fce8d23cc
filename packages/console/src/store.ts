// The console's one shared state: session, live connection, the cluster's last 5 minutes, calls from the stream.
import { useEffect, useState } from 'preact/hooks';
import type { CallRecord, Cluster, Session } from './types.js';
import type { LiveStatus, SseMessage } from './sse.js';

/** One cluster sample, for the charts: time in seconds, calls/s and in-flight per shard id (and the gateway). */
export interface Sample {
  t: number;
  calls: Record<string, number>;
  inFlight: Record<string, number>;
}

export interface State {
  session: Session | null;
  connection: LiveStatus;
  retryInMs: number | null;
  cluster: Cluster | null;
  samples: Sample[];
  liveCalls: CallRecord[];
  /** Bumped on each `registry` event, so views showing rules fetch them again. */
  registryTick: number;
}

export const windowSec = 300;
const maxLiveCalls = 1_000;

let state: State = { session: null, connection: 'connecting', retryInMs: null, cluster: null, samples: [], liveCalls: [], registryTick: 0 };
const listeners = new Set<() => void>();

export function getState(): State {
  return state;
}

export function update(patch: Partial<State>): void {
  state = { ...state, ...patch };
  listeners.forEach((l) => l());
}

/** Re-renders the component when the selected part of the state changes. */
export function useStore<T>(select: (s: State) => T): T {
  const [value, setValue] = useState(() => select(state));
  useEffect(() => {
    const listener = (): void => setValue(() => select(state));
    listeners.add(listener);
    listener();
    return () => void listeners.delete(listener);
    // Subscribed once: the selector is a pure function of the state.
  }, []);
  return value;
}

/** Adds a cluster answer to the 5-minute window (samples older than that drop out). */
export function sampleOf(cluster: Cluster, nowMs: number): Sample {
  const calls: Record<string, number> = {};
  const inFlight: Record<string, number> = {};
  for (const shard of cluster.shards) {
    calls[shard.id] = shard.callsPerSec;
    inFlight[shard.id] = shard.inFlight;
  }
  if (cluster.gateway !== null) {
    calls[`gateway ${cluster.gateway.id}`] = cluster.gateway.callsPerSec;
    inFlight[`gateway ${cluster.gateway.id}`] = cluster.gateway.inFlight;
  }
  return { t: nowMs / 1000, calls, inFlight };
}

export function withSample(samples: readonly Sample[], sample: Sample): Sample[] {
  const from = sample.t - windowSec;
  return [...samples.filter((s) => s.t >= from && s.t < sample.t), sample];
}

export function receiveCluster(cluster: Cluster, nowMs = Date.now()): void {
  update({ cluster, samples: withSample(state.samples, sampleOf(cluster, nowMs)) });
}

/** Applies one message of the live stream. */
export function receiveLive(message: SseMessage): void {
  let payload: unknown;
  try {
    payload = JSON.parse(message.data);
  } catch {
    return;
  }
  if (message.event === 'cluster') receiveCluster(payload as Cluster);
  else if (message.event === 'call') update({ liveCalls: [payload as CallRecord, ...state.liveCalls].slice(0, maxLiveCalls) });
  else if (message.event === 'registry') update({ registryTick: state.registryTick + 1 });
}
