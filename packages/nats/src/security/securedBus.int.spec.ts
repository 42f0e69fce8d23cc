// A secured bus: a private nats-server with TLS and the shipped role permissions; a shard serves a caller, an operator writes, and everyone else is refused where it matters.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, functionMap, type LoadReport } from '@lucent/core';
import { RegistryAdmin, registerCompiledVersions, type RemoteReply } from '@lucent/runtime';
import { RequestStrategy, type NatsConnection, type NatsError, type Status, type Subscription } from 'nats';
import { chaosBucketFor, KvChaos } from '../chaos/kvChaos.js';
import { askBundleStatus, bundleStatusSubject } from '../deploy/bundleStatus.js';
import { NatsBundleStore } from '../deploy/natsBundleStore.js';
import { KvRegistryStore } from '../registry/kvRegistryStore.js';
import { askShadowReports, shadowReportSubject } from '../registry/shadowReports.js';
import { bundleBucketFor, registryBucketFor } from '../shard/clusterBuckets.js';
import { parseShardConfig } from '../shard/shardConfig.js';
import { shardEndpointSubject } from '../shard/shardService.js';
import { setShardChaos, startNatsShard, type RunningShard } from '../shard/startNatsShard.js';
import { makeRoleUsers, makeTlsMaterial, renderServerConfig, renderShippedPermissions, type RoleUserFile, type TlsMaterial } from '../testing/natsSecurity.js';
import { PrivateNats } from '../testing/privateNats.js';
import { connectNats } from '../transport/connectNats.js';
import { NatsTransport } from '../transport/natsTransport.js';
import { callSubject, loadSubject } from '../transport/wire/headerNames.js';

const double = defineFunction({ name: 'sec.double', version: '1.0.0', input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) }, ({ n }) => ({ n: 2 * n }));
/** Finishes after `ms`: the calls of one batch end in different turns, so the shard answers a batch with several messages. */
const wait = defineFunction({ name: 'sec.wait', version: '1.0.0', input: z.object({ ms: z.number() }), output: z.object({ ms: z.number() }) }, async ({ ms }) => {
  await new Promise((r) => setTimeout(r, ms));
  return { ms };
});
const prefix = `sec${randomBytes(3).toString('hex')}`;
const audit = { who: 'operator@secured-bus-spec', why: 'secured bus spec' };

let dir: string;
let server: PrivateNats;
let tls: TlsMaterial;
let users: Awaited<ReturnType<typeof makeRoleUsers>>;
let shard: RunningShard;
let operator: NatsConnection;
let caller: NatsTransport;
const opened: NatsConnection[] = [];

/** A connection as `user` over mutual TLS, its options given explicitly (the shard below gets its own from LUCENT_NATS_*). */
async function connectAs(user: RoleUserFile | undefined, client = 'client'): Promise<NatsConnection> {
  const nc = await connectNats({
    url: server.url,
    name: `secured-bus-${user?.role ?? 'nobody'}`,
    env: {},
    ...(user === undefined ? {} : { nkeySeedFile: user.seedFile }),
    tls: { caFile: tls.caFile, ...tls.clients[client] },
  });
  opened.push(nc);
  return nc;
}

/** The next error status the server sends this connection about `subject` (a permissions violation arrives asynchronously). */
async function violationOn(nc: NatsConnection, subject: string, act: () => void): Promise<Status> {
  const statuses = nc.status();
  const seen = (async () => {
    for await (const s of statuses) {
      if (s.type === 'error' && s.permissionContext?.subject === subject) return s;
    }
    throw new Error('status stream ended');
  })();
  act();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no permissions violation on ${subject} within 3 s`)), 3_000));
  return Promise.race([seen, timeout]);
}

/** A subscription's first error: the server refuses a subscribe it does not permit, and nats.js closes the subscription with it. */
function subscriptionRefusal(nc: NatsConnection, subject: string): { error: Promise<NatsError>; received: () => number; sub: Subscription } {
  let received = 0;
  let fail!: (e: NatsError) => void;
  const error = new Promise<NatsError>((resolve, reject) => {
    fail = resolve;
    setTimeout(() => reject(new Error(`the server accepted a subscription to ${subject} (no refusal within 3 s)`)), 3_000);
  });
  // Settled either way; a test that does not wait for the refusal must not leave an unhandled rejection behind.
  error.catch(() => undefined);
  const sub = nc.subscribe(subject, {
    callback: (err) => {
      if (err) fail(err);
      else received++;
    },
  });
  return { error, received: () => received, sub };
}

const call = (n: number, name = 'sec.double', input: unknown = { n }) => ({ name, input, deadline: Date.now() + 5_000, correlationId: randomBytes(6).toString('hex'), attempt: 1 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lucent-secured-bus-'));
  tls = await makeTlsMaterial(join(dir, 'tls'), ['127.0.0.1', 'localhost'], ['client']);
  users = await makeRoleUsers(join(dir, 'keys'), ['s1', 's2']);
  const config = renderServerConfig({
    permissions: await renderShippedPermissions({ prefix, users: users.all }),
    jetStream: { storeDir: join(dir, 'jetstream') },
    tls: { ...tls.server, caFile: tls.caFile, verify: true },
  });
  await writeFile(join(dir, 'server.conf'), config);
  server = await PrivateNats.create(['-c', join(dir, 'server.conf')]);

  // The operator creates the cluster's buckets and registers the function: shards and callers only read them.
  operator = await connectAs(users.operator);
  const registry = await KvRegistryStore.open({ connection: operator, bucket: registryBucketFor(prefix) });
  await registerCompiledVersions(registry, [double, wait], audit);
  await registry.close();
  (await KvChaos.open({ connection: operator, bucket: chaosBucketFor(prefix) })).close();
  await (await NatsBundleStore.open({ connection: operator, bucket: bundleBucketFor(prefix) })).close();

  // The shard process is told who it is the way a deployment tells it: LUCENT_NATS_* in its environment.
  const publicKeyFile = join(dir, 'bundles.pub.pem');
  await writeFile(publicKeyFile, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
  const env = { LUCENT_NATS_NKEY_SEED: users.shards['s1']!.seedFile, LUCENT_NATS_TLS_CA: tls.caFile, LUCENT_NATS_TLS_CERT: tls.clients['client']!.certFile, LUCENT_NATS_TLS_KEY: tls.clients['client']!.keyFile };
  Object.assign(process.env, env);
  try {
    shard = await startNatsShard({
      config: parseShardConfig({ id: 's1', nats: server.url, subjectPrefix: prefix, reportIntervalMs: 100, registry: {}, bundles: { publicKeyFile }, chaosControl: true }),
      functions: functionMap(double, wait),
    });
  } finally {
    for (const name of Object.keys(env)) delete process.env[name];
  }
  caller = new NatsTransport({ connection: await connectAs(users.caller), subjectPrefix: prefix });
}, 60_000);

afterAll(async () => {
  await shard?.stop(200);
  await caller?.close();
  for (const nc of opened) if (!nc.isClosed()) await nc.close();
  await server?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('a bus with TLS and the shipped role permissions', () => {
  it('a shard connected as `shard` serves a caller connected as `caller`, and the caller hears its load reports', async () => {
    const reply: RemoteReply = await caller.request('s1', call(21), Date.now() + 5_000);
    expect(reply).toMatchObject({ ok: true, output: { n: 42 } });
    const heard = await new Promise<LoadReport>((resolve) => {
      const stop = caller.onLoad((r) => {
        if (r.shardId === 's1') {
          stop();
          resolve(r);
        }
      });
    });
    expect(heard.shardId).toBe('s1');
    expect(shard.ready()).toBe(true);
  });

  it('batches are answered in full: several reply messages to one batch pass allow_responses', async () => {
    // 300 calls in one turn leave as batches of up to 128; their calls end over ~20 ms, in several reply messages each.
    const replies = await Promise.all(Array.from({ length: 300 }, (_, n) => caller.request('s1', call(n, 'sec.wait', { ms: (n % 7) * 3 }), Date.now() + 5_000)));
    expect(replies.filter((r) => r.ok)).toHaveLength(300);
    expect(replies[299]).toMatchObject({ ok: true, output: { ms: 15 } });
  });

  it("the shard's other answers reach a caller: Services API ping and endpoint, shadow report; and an operator's bundle status", async () => {
    const nc = caller.connection;
    const pings: { metadata?: Record<string, string> }[] = [];
    for await (const m of await nc.requestMany('$SRV.PING.lucent-shard', new Uint8Array(), { strategy: RequestStrategy.Timer, maxWait: 500 })) {
      pings.push(JSON.parse(new TextDecoder().decode(m.data)) as { metadata?: Record<string, string> });
    }
    expect(pings.some((p) => p.metadata?.['shard'] === 's1' && p.metadata['prefix'] === prefix)).toBe(true);
    const endpoint = await nc.request(shardEndpointSubject(prefix, 's1', 'sec.double'), new TextEncoder().encode('{"n":4}'), { timeout: 2_000 });
    expect(JSON.parse(new TextDecoder().decode(endpoint.data))).toMatchObject({ output: { n: 8 } });
    expect((await askShadowReports(nc, shadowReportSubject(prefix), 'sec.double')).map((r) => r.shard)).toEqual(['s1']);
    // The shard follows the bundle store it may only read, and says so.
    const status = await askBundleStatus(operator, bundleStatusSubject(prefix, bundleBucketFor(prefix)));
    expect(status).toEqual([{ shard: 's1', bundles: [] }]);
  });

  it('an operator writes the registry (the shard applies the kill switch it reads) and the chaos document and controls', async () => {
    const registry = await KvRegistryStore.open({ connection: operator, bucket: registryBucketFor(prefix) });
    try {
      const admin = new RegistryAdmin(registry);
      await admin.disable('sec.double', audit);
      await expect.poll(async () => (await caller.request('s1', call(1), Date.now() + 5_000)).ok, { timeout: 5_000 }).toBe(false);
      const refused = await caller.request('s1', call(1), Date.now() + 5_000);
      expect(refused).toMatchObject({ ok: false, error: { code: 'FUNCTION_DISABLED' } });
      await admin.enable('sec.double', audit);
      await expect.poll(async () => (await caller.request('s1', call(2), Date.now() + 5_000)).ok, { timeout: 5_000 }).toBe(true);
    } finally {
      await registry.close();
    }

    const chaos = await KvChaos.open({ connection: operator, bucket: chaosBucketFor(prefix) });
    try {
      expect(await chaos.put({ functions: { 'sec.double': { latencyMs: 1 } } })).toBeGreaterThan(0);
      expect(await chaos.get()).toEqual({ functions: { 'sec.double': { latencyMs: 1 } } });
      await chaos.clear();
    } finally {
      chaos.close();
    }
    const operatorTransport = new NatsTransport({ connection: operator, subjectPrefix: prefix });
    await expect(setShardChaos(operatorTransport, 's1', { extraDelayMs: 0 })).resolves.toBeUndefined();
  });

  it('a caller is refused on registry writes, chaos writes and chaos controls; what was stored stays', async () => {
    const connection = caller.connection;
    const registry = await KvRegistryStore.open({ connection, bucket: registryBucketFor(prefix) });
    const before = await registry.get('sec.double');
    expect(before?.rules.enabled).toBe(true);
    const write = await new RegistryAdmin(registry).disable('sec.double', { ...audit, who: 'caller' }).catch((e: unknown) => e);
    await registry.close();
    expect(write).toMatchObject({ code: 'UNAVAILABLE', cause: { code: 'PERMISSIONS_VIOLATION' } });
    expect(String((write as Error).cause)).toContain(`Permissions Violation for Publish to "$KV.${registryBucketFor(prefix)}.`);

    const chaos = await KvChaos.open({ connection, bucket: chaosBucketFor(prefix), bindOnly: true });
    expect(chaos).toBeDefined();
    await expect(chaos!.put({ shards: { s1: { unreachable: true } } })).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    await expect(chaos!.clear()).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    expect(await chaos!.get()).toEqual({});
    chaos!.close();

    await expect(setShardChaos(caller, 's1', { extraDelayMs: 5_000 })).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    // Creating a bucket is an operator's job too.
    await expect(KvChaos.open({ connection, bucket: `${prefix}-other-chaos` })).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });

    const operatorView = await KvRegistryStore.open({ connection: operator, bucket: registryBucketFor(prefix) });
    expect((await operatorView.get('sec.double'))?.revision).toBe(before?.revision);
    await operatorView.close();
    expect(await caller.request('s1', call(4), Date.now() + 5_000)).toMatchObject({ ok: true, output: { n: 8 } });
  });

  it('a caller cannot listen on a shard subject, answer a reply subject or publish load reports', async () => {
    const connection = caller.connection;
    const impostor = subscriptionRefusal(connection, callSubject(prefix, 's1'));
    expect((await impostor.error).code).toBe('PERMISSIONS_VIOLATION');
    expect((await impostor.error).message).toContain(`Permissions Violation for Subscription to "${callSubject(prefix, 's1')}"`);
    // Calls still reach the real shard only.
    expect(await caller.request('s1', call(5), Date.now() + 5_000)).toMatchObject({ ok: true, output: { n: 10 } });
    expect(impostor.received()).toBe(0);

    const forged = await violationOn(connection, '_INBOX.forged.1', () => connection.publish('_INBOX.forged.1', new Uint8Array([1])));
    expect(forged).toMatchObject({ data: 'PERMISSIONS_VIOLATION', permissionContext: { operation: 'publish' } });
    const load = await violationOn(connection, loadSubject(prefix), () => connection.publish(loadSubject(prefix), new TextEncoder().encode('{"shardId":"s9"}')));
    expect(load).toMatchObject({ data: 'PERMISSIONS_VIOLATION', permissionContext: { operation: 'publish' } });
  });

  it("a shard cannot serve another shard's subjects", async () => {
    const s2 = await connectAs(users.shards['s2']);
    const stolen = subscriptionRefusal(s2, callSubject(prefix, 's1'));
    expect((await stolen.error).code).toBe('PERMISSIONS_VIOLATION');
    const own = subscriptionRefusal(s2, callSubject(prefix, 's2'));
    // Its own subject is accepted: a round trip later, no error has arrived.
    await s2.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(own.sub.isClosed()).toBe(false);
    // And a shard writes no registry either.
    const registry = await KvRegistryStore.open({ connection: s2, bucket: registryBucketFor(prefix) });
    await expect(new RegistryAdmin(registry).disable('sec.double', audit)).rejects.toMatchObject({ cause: { code: 'PERMISSIONS_VIOLATION' } });
    await registry.close();
  });

  it("a shard process started with another shard's key fails to start (FORBIDDEN, naming the refused subjects) instead of idling", async () => {
    const env = { LUCENT_NATS_NKEY_SEED: users.shards['s2']!.seedFile, LUCENT_NATS_TLS_CA: tls.caFile, LUCENT_NATS_TLS_CERT: tls.clients['client']!.certFile, LUCENT_NATS_TLS_KEY: tls.clients['client']!.keyFile };
    Object.assign(process.env, env);
    let started: RunningShard | undefined;
    try {
      const attempt = startNatsShard({ config: parseShardConfig({ id: 's1', nats: server.url, subjectPrefix: prefix, reportIntervalMs: 100 }), functions: functionMap(double) });
      const error: unknown = await attempt.then(
        (s) => ((started = s), undefined),
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'FORBIDDEN', details: { shard: 's1' } });
      expect((error as Error).message).toContain(callSubject(prefix, 's1'));
    } finally {
      for (const name of Object.keys(env)) delete process.env[name];
      await started?.stop(0);
    }
    // The real s1 is untouched.
    expect(await caller.request('s1', call(6), Date.now() + 5_000)).toMatchObject({ ok: true, output: { n: 12 } });
  });

  it('a client without credentials, or with a key the server does not list, is refused at connect', async () => {
    await expect(connectAs(undefined)).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
    const stranger = await makeRoleUsers(join(dir, 'stranger'), []);
    await expect(connectAs(stranger.operator)).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
  });

});

/**
 * Speak to the server the way a client would, by hand: read its INFO, optionally upgrade to TLS with
 * `tlsOptions`, send CONNECT and PING. What the server sent, and whether it hung up within 5 s.
 */
async function handConnect(tlsOptions: ConnectionOptions | undefined): Promise<{ text: string; hungUp: boolean }> {
  const raw = createConnection({ host: '127.0.0.1', port: server.port });
  raw.setEncoding('utf8');
  const info = await new Promise<string>((resolve, reject) => {
    let text = '';
    const onData = (chunk: string): void => {
      text += chunk;
      if (!text.includes('\r\n')) return;
      raw.off('data', onData);
      resolve(text);
    };
    raw.on('data', onData);
    raw.once('error', reject);
  });
  const socket: Socket = tlsOptions === undefined ? raw : await new Promise<Socket>((resolve) => {
    const secure = tlsConnect({ ...tlsOptions, socket: raw, servername: 'localhost' }, () => resolve(secure));
    secure.once('error', () => resolve(secure));
  });
  return new Promise((resolve) => {
    let text = info;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, hungUp: false });
    }, 5_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ text, hungUp: true });
    });
    if (!socket.destroyed) socket.write(`CONNECT {"verbose":false,"pedantic":false,"tls_required":${tlsOptions !== undefined},"name":"by-hand"}\r\nPING\r\n`);
  });
}

describe('TLS on the bus', () => {
  it('a plaintext connection is refused: the server hangs up without answering', async () => {
    const plain = await handConnect(undefined);
    expect(plain.text).toContain('"tls_required":true');
    expect(plain.hungUp).toBe(true);
    expect(plain.text).not.toContain('PONG');
  });

  it('TLS without a client certificate is refused, TLS with one gets as far as authentication', async () => {
    const withoutCert = await handConnect({ ca: await readFile(tls.caFile) });
    expect(withoutCert.hungUp).toBe(true);
    expect(withoutCert.text).not.toContain('PONG');
    // The control: the same by-hand client with a certificate is let in, and refused only for naming no user.
    const withCert = await handConnect({ ca: await readFile(tls.caFile), cert: await readFile(tls.clients['client']!.certFile), key: await readFile(tls.clients['client']!.keyFile) });
    expect(withCert.text).toContain("-ERR 'Authorization Violation'");
  });

  it('a server certificate from another CA is refused by the client', async () => {
    const other = await makeTlsMaterial(join(dir, 'other-ca'), ['127.0.0.1', 'localhost'], ['client']);
    await expect(connectNats({ url: server.url, env: {}, nkeySeedFile: users.caller.seedFile, tls: { caFile: other.caFile, ...other.clients['client'] } })).rejects.toThrow(/verify/);
  });
});

