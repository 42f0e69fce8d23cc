// Must-show behaviour across 3 node processes on one JetStream KV bucket: propagation, kill switch, jurisdiction, sticky weights, live switch.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { MemoryEventStore, RegistryAdmin } from '@lucent/runtime';
import { KvRegistryStore } from './kvRegistryStore.js';
import { appliedEverywhere, startNode, stopNode, type NodeHandle } from './registryNodes.js';
import { testFunctionName, type InvokeReply, type InvokeRequest } from './registryTestProtocol.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const natsUrl = '127.0.0.1:4222';
const tag = randomUUID().slice(0, 8);
const bucket = `lucent-registry-nodes-${tag}`;
const prefix = `registry-test-${tag}`;
const fingerprint = { input: 'sha256:quote-in', output: 'sha256:quote-out' };
const ops = { who: 'ops@test', why: 'must-show test' };
const jc = JSONCodec();

let nc: NatsConnection;
let store: KvRegistryStore;
let admin: RegistryAdmin;
let nodes: NodeHandle[] = [];

function start(): NodeHandle[] {
  return ['n1', 'n2', 'n3'].map((id) =>
    startNode({
      id,
      bucket,
      subjectPrefix: prefix,
      natsUrl,
      cwd: root,
      command: [`${root}node_modules/.bin/vite-node`, '--config', 'vitest.config.ts', 'packages/nats/src/registry/registryTestNode.ts'],
    }),
  );
}

const call = async (node: NodeHandle, req: InvokeRequest): Promise<InvokeReply> =>
  jc.decode((await nc.request(`${prefix}.${node.id}.invoke`, jc.encode(req), { timeout: 5_000 })).data) as InvokeReply;

const stickyKeys = async (node: NodeHandle, version: string): Promise<Set<number>> =>
  new Set(
    (jc.decode((await nc.request(`${prefix}.${node.id}.sticky`, jc.encode({ count: 10_000, version }), { timeout: 20_000 })).data) as { keys: number[] }).keys,
  );

const executed = async (node: NodeHandle): Promise<Record<string, number>> =>
  jc.decode((await nc.request(`${prefix}.${node.id}.executed`, jc.encode({}), { timeout: 5_000 })).data) as Record<string, number>;

/** Write a change and wait until every node reports that exact revision. */
async function change(write: () => Promise<{ revision: number }>): Promise<number> {
  const { revision } = await write();
  await appliedEverywhere(nodes, revision);
  return revision;
}

describe('registry across 3 node processes on NATS JetStream KV', () => {
  beforeAll(async () => {
    nc = await connect({ servers: natsUrl });
    store = await KvRegistryStore.open({ connection: nc, bucket, eventStore: new MemoryEventStore() });
    admin = new RegistryAdmin(store);
    await admin.register(testFunctionName, { version: '1.0.0', fingerprint }, ops);
    await admin.register(testFunctionName, { version: '2.0.0', fingerprint }, ops);
    nodes = start();
    await Promise.all(nodes.map((n) => n.ready));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(nodes.map(stopNode));
    await store?.close();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(`KV_${bucket}`).catch(() => undefined);
    await nc.close();
  });

  it('every weight and enable/disable change is applied by all 3 nodes', async () => {
    const revisions = [];
    revisions.push(await change(() => admin.weights(testFunctionName, { '2.0.0': 5 }, ops)));
    revisions.push(await change(() => admin.disable(testFunctionName, ops)));
    revisions.push(await change(() => admin.enable(testFunctionName, ops)));
    revisions.push(await change(() => admin.weights(testFunctionName, { '2.0.0': 25 }, ops)));
    revisions.push(await change(() => admin.weights(testFunctionName, {}, ops)));
    for (const node of nodes) for (const r of revisions) expect(node.applied.has(r), `${node.id} applied ${r}`).toBe(true);
    expect((await store.history(testFunctionName)).map((h) => h.revision).slice(-5)).toEqual(revisions);
  });

  it('kill switch: once applied, every node refuses the function; once re-enabled, every node serves it', async () => {
    await change(() => admin.disable(testFunctionName, ops));
    for (const node of nodes) expect(await call(node, { x: 1, userId: 'u1' })).toEqual({ error: 'FUNCTION_DISABLED' });
    await change(() => admin.enable(testFunctionName, ops));
    for (const node of nodes) expect(await call(node, { x: 1, userId: 'u1' })).toEqual({ by: '1.0.0' });
  });

  it('disable and re-enable reach every node alike, from the write until all 3 node processes applied it', async () => {
    const wallMs = (): number => performance.timeOrigin + performance.now();
    /** ms from `startedAt` until the last node applied `revision` (each node stamps its own apply on the shared wall clock). */
    const lastApplied = async (startedAt: number, revision: number): Promise<number> => {
      await appliedEverywhere(nodes, revision);
      return Math.max(...nodes.map((n) => n.applied.get(revision)!)) - startedAt;
    };
    const disable: number[] = [];
    const enable: number[] = [];
    // 3 warm-up cycles, then 100 measured (so p99 is not just the slowest one): a re-enable is the same KV write
    // and watch as a disable, and neither waits for anything else (load reports play no part).
    for (let i = 0; i < 103; i++) {
      let startedAt = wallMs();
      const off = await lastApplied(startedAt, (await admin.disable(testFunctionName, ops)).revision);
      startedAt = wallMs();
      const on = await lastApplied(startedAt, (await admin.enable(testFunctionName, ops)).revision);
      if (i >= 3) {
        disable.push(off);
        enable.push(on);
      }
    }
    const p = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!;
    const figures = { disable: { p50: p(disable, 0.5), p99: p(disable, 0.99) }, enable: { p50: p(enable, 0.5), p99: p(enable, 0.99) } };
    console.log(`kill switch, write (CAS + audit) → applied on all 3 node processes, 100 cycles: ${JSON.stringify(figures, (_, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`);
    // The figure against the 10 ms target is the bench's (`registry.propagation`): speed is measured there, not
    // in a timed test on a shared machine. What this asserts is the behaviour: a re-enable is the same write and watch
    // as a disable and waits for nothing else (it used to wait for the next load report: p99 175-356 ms).
    expect(figures.enable.p50).toBeLessThanOrEqual(2 * figures.disable.p50 + 2);
    expect(figures.disable.p99).toBeLessThan(50);
    expect(figures.enable.p99).toBeLessThan(50);
    for (const node of nodes) expect(await call(node, { x: 1, userId: 'u1' })).toEqual({ by: '1.0.0' });
  });

  it('a denied jurisdiction gets JURISDICTION_DENIED on every node, nothing runs and the rules stay as they were', async () => {
    await change(() => admin.jurisdictions(testFunctionName, { deny: ['US'] }, ops));
    const before = await store.get(testFunctionName);
    const runsBefore = await Promise.all(nodes.map(executed));
    for (const node of nodes) expect(await call(node, { x: 1, userId: 'u1', jurisdiction: 'US' })).toEqual({ error: 'JURISDICTION_DENIED' });
    expect(await Promise.all(nodes.map(executed))).toEqual(runsBefore);
    expect(await store.get(testFunctionName)).toEqual(before);
    for (const node of nodes) expect(await call(node, { x: 1, userId: 'u1', jurisdiction: 'DE' })).toEqual({ by: '1.0.0' });
    await change(() => admin.jurisdictions(testFunctionName, {}, ops));
  });

  it('sticky: 10,000 keys at 10% put 9-11% on the new version; at 30% every one of them stays; the same after all nodes restart', async () => {
    await change(() => admin.weights(testFunctionName, { '2.0.0': 10 }, ops));
    const at10 = await Promise.all(nodes.map((n) => stickyKeys(n, '2.0.0')));
    expect(at10[0]!.size).toBeGreaterThanOrEqual(900);
    expect(at10[0]!.size).toBeLessThanOrEqual(1_100);
    for (const s of at10) expect([...s]).toEqual([...at10[0]!]);
    await change(() => admin.weights(testFunctionName, { '2.0.0': 30 }, ops));
    const at30 = await stickyKeys(nodes[0]!, '2.0.0');
    expect([...at10[0]!].filter((k) => !at30.has(k))).toEqual([]);

    await Promise.all(nodes.map(stopNode));
    nodes = start();
    await Promise.all(nodes.map((n) => n.ready));
    const afterRestart = await Promise.all(nodes.map((n) => stickyKeys(n, '2.0.0')));
    for (const s of afterRestart) expect([...s]).toEqual([...at30]);
    await change(() => admin.weights(testFunctionName, {}, ops));
  }, 90_000);

  it('switching the active version under steady load: zero failed calls, each answered by exactly one version', async () => {
    const runsBefore = await Promise.all(nodes.map(executed));
    const replies: InvokeReply[] = [];
    let switchedAt = -1;
    const total = 1_500;
    const inFlight = 12;
    let issued = 0;
    const deadline = Date.now() + 30_000;
    const worker = async (w: number): Promise<void> => {
      while (issued < total && Date.now() < deadline) {
        const i = issued++;
        if (i === Math.floor(total / 3)) {
          // The switch is written while calls keep flowing; the loop does not wait for it.
          void admin.activate(testFunctionName, '2.0.0', ops).then(() => (switchedAt = replies.length));
        }
        replies.push(await call(nodes[(i + w) % nodes.length]!, { x: i, userId: `load-${i}` }).catch((e: unknown) => ({ error: String(e) })));
      }
    };
    await Promise.all(Array.from({ length: inFlight }, (_, w) => worker(w)));
    const failures = replies.filter((r) => 'error' in r);
    expect(failures).toEqual([]);
    expect(replies.length).toBe(total);
    const byVersion = (v: string): number => replies.filter((r) => 'by' in r && r.by === v).length;
    expect(byVersion('1.0.0') + byVersion('2.0.0')).toBe(total);
    expect(byVersion('1.0.0')).toBeGreaterThan(0);
    expect(byVersion('2.0.0')).toBeGreaterThan(0);
    expect(switchedAt).toBeGreaterThan(0);
    // Each call ran exactly once, on exactly one version: node-side executions add up to the calls made.
    const runsAfter = await Promise.all(nodes.map(executed));
    const ran = runsAfter.reduce((sum, r, i) => sum + Object.entries(r).reduce((s, [v, n]) => s + n - (runsBefore[i]![v] ?? 0), 0), 0);
    expect(ran).toBe(total);
    const head = await store.get(testFunctionName);
    await appliedEverywhere(nodes, head!.revision);
    for (const node of nodes) expect(await call(node, { x: 1, userId: 'after' })).toEqual({ by: '2.0.0' });
  }, 60_000);
});
