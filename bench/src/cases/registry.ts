// registry.propagation: how long a registry change takes from the write until all 3 node processes have applied it
// (a weight change; `.disable` and `.enable` the kill switch both ways, which must propagate alike).
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, KvWatchInclude, type NatsConnection } from 'nats';
import { MemoryEventStore, RegistryAdmin } from '@lucent/runtime';
import { KvRegistryStore } from '@lucent/nats';
import { appliedEverywhere, startNode, stopNode, testFunctionName, type NodeHandle } from '@lucent/nats/testing';
import { LatencyRecorder } from '../harness/latencyRecorder.js';
import type { BenchArea, BenchOptions, BenchResult } from '../harness/types.js';
import { wants } from '../harness/types.js';

const caseName = 'registry.propagation';
const kinds = ['weights', 'disable', 'enable'] as const;
type Kind = (typeof kinds)[number];
const caseOf = (kind: Kind): string => (kind === 'weights' ? caseName : `${caseName}.${kind}`);
const changes = 50;
const nodeCount = 3;
const fingerprint = { input: 'sha256:bench-in', output: 'sha256:bench-out' };
const ops = { who: 'bench', why: 'propagation benchmark' };
const wallMs = (): number => performance.timeOrigin + performance.now();

/** The compiled test node next to @lucent/nats's entry point. */
function nodeScript(): string {
  return join(dirname(fileURLToPath(import.meta.resolve('@lucent/nats'))), 'registry', 'registryTestNode.js');
}

/** Lucent: a weight change, a disable and a re-enable written through the admin (CAS + audit), each timed until the last of the 3 nodes reports it applied. */
async function lucentPropagation(nc: NatsConnection, natsUrl: string, recorders: Record<Kind, LatencyRecorder>): Promise<void> {
  const tag = randomUUID().slice(0, 8);
  const bucket = `lucent-registry-bench-${tag}`;
  const store = await KvRegistryStore.open({ connection: nc, bucket, eventStore: new MemoryEventStore() });
  const admin = new RegistryAdmin(store);
  const nodes: NodeHandle[] = [];
  try {
    await admin.register(testFunctionName, { version: '1.0.0', fingerprint }, ops);
    await admin.register(testFunctionName, { version: '2.0.0', fingerprint }, ops);
    for (let i = 0; i < nodeCount; i++) {
      nodes.push(
        startNode({ id: `b${i}`, bucket, subjectPrefix: `registry-bench-${tag}`, natsUrl, command: [process.execPath, nodeScript()] }),
      );
    }
    await Promise.all(nodes.map((n) => n.ready));
    const write: Record<Kind, (i: number) => Promise<{ revision: number }>> = {
      weights: (i) => admin.weights(testFunctionName, { '2.0.0': (i % 20) + 1 }, ops),
      disable: () => admin.disable(testFunctionName, ops),
      enable: () => admin.enable(testFunctionName, ops),
    };
    for (let i = 0; i < changes + 5; i++) {
      for (const kind of kinds) {
        const startedAt = wallMs();
        const { revision } = await write[kind](i);
        await appliedEverywhere(nodes, revision, 10_000);
        // The first five rounds warm up connections and JIT; they are not recorded.
        if (i >= 5) recorders[kind].recordMs(Math.max(...nodes.map((n) => n.applied.get(revision)!)) - startedAt);
      }
    }
  } finally {
    await Promise.all(nodes.map(stopNode));
    await store.close();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(`KV_${bucket}`).catch(() => undefined);
  }
}

/** Floor: a raw KV put seen by a raw KV watch in this same process (no CAS read, no audit, no process hop). */
async function rawKvPropagation(nc: NatsConnection, recorder: LatencyRecorder): Promise<void> {
  const bucket = `lucent-registry-bench-raw-${randomUUID().slice(0, 8)}`;
  const kv = await nc.jetstream().views.kv(bucket, { history: 64 });
  const seen = new Map<number, number>();
  const watch = await kv.watch({ include: KvWatchInclude.UpdatesOnly });
  void (async () => {
    for await (const e of watch) seen.set(e.revision, wallMs());
  })();
  try {
    for (let i = 0; i < changes + 5; i++) {
      const startedAt = wallMs();
      const revision = await kv.put('fn', new TextEncoder().encode(JSON.stringify({ weight: i })));
      const end = Date.now() + 10_000;
      while (!seen.has(revision) && Date.now() < end) await new Promise((r) => setImmediate(r));
      if (i >= 5 && seen.has(revision)) recorder.recordMs(seen.get(revision)! - startedAt);
    }
  } finally {
    watch.stop();
    await kv.destroy();
  }
}

export const registryArea: BenchArea = {
  area: 'registry',
  cases: kinds.map(caseOf),
  async run(options: BenchOptions): Promise<BenchResult[]> {
    if (!kinds.some((kind) => wants(options, caseOf(kind)))) return [];
    const natsUrl = options.natsUrl.replace(/^nats:\/\//, '');
    const nc = await connect({ servers: natsUrl });
    try {
      const lucent: Record<Kind, LatencyRecorder> = { weights: new LatencyRecorder(), disable: new LatencyRecorder(), enable: new LatencyRecorder() };
      const raw = new LatencyRecorder();
      for (let round = 0; round < Math.max(1, options.rounds); round++) {
        await lucentPropagation(nc, natsUrl, lucent);
        await rawKvPropagation(nc, raw);
      }
      const what: Record<Kind, string> = { weights: 'weight changes', disable: 'disables (kill switch on)', enable: 're-enables (kill switch off)' };
      return kinds.filter((kind) => wants(options, caseOf(kind))).flatMap((kind): BenchResult[] => {
        const note = `${changes} ${what[kind]} per round, ${nodeCount} node processes; write (CAS + audit) → applied on every node; floor: raw KV put → raw watch in one process`;
        const row = (metric: 'p99_ms' | 'p50_ms', q: number): BenchResult => ({
          case: caseOf(kind),
          metric,
          higherIsBetter: false,
          lucent: lucent[kind].percentileMs(q),
          baselines: { 'raw-kv-watch': raw.percentileMs(q) },
          note,
        });
        return [row('p99_ms', 99), row('p50_ms', 50)];
      });
    } finally {
      await nc.close();
    }
  },
};
