// `lucent publish` against real NATS: a new version reaches a running node without restart; tampered or unsigned bundles never run.
import { randomUUID, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BundleDeployer,
  FunctionManager,
  generateSigningKeyPair,
  privateSigningKey,
  RegistryAdmin,
  RegistryWatcher,
  type BundleOutcome,
  type StoredBundle,
} from '@lucent/runtime';
import { KvRegistryStore, NatsBundleStore } from '@lucent/nats';
import { fingerprint } from '../generate/generateRegistry.js';
import { buildCli, lucent } from '../testing/runBuiltCli.js';
import { buildSignedBundle } from './bundleFunctionModule.js';
import { quote as quoteV1 } from './fixtures/quoteV1.js';

const natsUrl = 'nats://127.0.0.1:4222';
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const tag = randomUUID().slice(0, 8);
const bundleBucket = `lucent_bundles_test_${tag}`;
const registryBucket = `lucent-registry-test-${tag}`;

describe('lucent publish → running node (NATS object store + KV registry)', () => {
  let dir: string;
  let keyFile: string;
  let nc: NatsConnection;
  let manager: FunctionManager;
  let registry: KvRegistryStore;
  let bundles: NatsBundleStore;
  let watcher: RegistryWatcher;
  let deployer: BundleDeployer;
  const logs: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const logger = {
    debug: () => {},
    info: (message: string, fields?: Record<string, unknown>) => void logs.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message: string, fields?: Record<string, unknown>) => void logs.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message: string, fields?: Record<string, unknown>) => void logs.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
  };
  const cliStore = ['--nats', natsUrl, '--bucket', bundleBucket];
  const cliRegistry = ['--nats', natsUrl, '--bucket', registryBucket];

  beforeAll(async () => {
    await buildCli();
    dir = await mkdtemp(path.join(tmpdir(), 'lucent-publish-test-'));
    const keygen = await lucent(['keygen', '--out', dir]);
    expect(keygen.code, keygen.stderr).toBe(0);
    keyFile = path.join(dir, 'lucent-signing.key');

    // The running node: v1 compiled in, following the registry and the bundle store.
    nc = await connect({ servers: natsUrl });
    registry = await KvRegistryStore.open({ connection: nc, bucket: registryBucket });
    bundles = await NatsBundleStore.open({ connection: nc, bucket: bundleBucket });
    manager = new FunctionManager({ logger }).register(quoteV1);
    await new RegistryAdmin(registry).register(
      quoteV1.name,
      { version: '1.0.0', fingerprint: { input: fingerprint(quoteV1.input, 'input').hash, output: fingerprint(quoteV1.output, 'output').hash } },
      { who: 'test', why: 'node start' },
    );
    watcher = new RegistryWatcher({ store: registry, manager, logger });
    await watcher.start();
    deployer = new BundleDeployer({
      store: bundles,
      manager,
      registry,
      watcher,
      publicKey: await readFile(path.join(dir, 'lucent-signing.pub'), 'utf8'),
      logger,
      nodeId: 'node-a',
    });
    await deployer.start();
  }, 240_000);

  afterAll(async () => {
    await deployer?.close();
    await watcher?.stop();
    await bundles?.close();
    await registry?.close();
    const jsm = await nc?.jetstreamManager();
    await jsm?.streams.delete(`OBJ_${bundleBucket}`).catch(() => undefined);
    await jsm?.streams.delete(`KV_${registryBucket}`).catch(() => undefined);
    await nc?.drain();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (userId: string) => manager.invoke('pricing.quote', { amount: 100 }, { business: { userId } });

  it('serves a published version on the running node once an operator activates it, without a restart', async () => {
    expect((await call('u1')).output).toEqual({ price: 101, by: 'v1' });

    const published = await lucent(['publish', path.join(fixtures, 'quoteV2.ts'), '--key', keyFile, ...cliStore, '--json']);
    expect(published.code, published.stderr).toBe(0);
    const { id } = JSON.parse(published.stdout) as { id: string };
    const outcome = await deployer.outcome(id);
    expect(outcome).toMatchObject({ status: 'loaded', functions: ['pricing.quote@2.0.0'], recorded: true });

    // Loaded and registered, but inactive: traffic stays on v1 until the weights move.
    const registered = (await registry.get('pricing.quote'))!.rules;
    expect(Object.keys(registered.versions).sort()).toEqual(['1.0.0', '2.0.0']);
    expect(registered.versions['2.0.0']?.bundle).toMatchObject({ location: id });
    expect(registered.active).toBe('1.0.0');
    expect((await call('u1')).output).toEqual({ price: 101, by: 'v1' });

    const activated = await lucent(['registry', 'activate', 'pricing.quote', '2.0.0', '--reason', 'roll out v2', ...cliRegistry]);
    expect(activated.code, activated.stderr).toBe(0);
    expect(activated.stdout).toContain('active:        2.0.0');
    await watcher.waitForRevision((await registry.get('pricing.quote'))!.revision);

    // Same process, same manager: the bundle's code answers now, with its events and the caller's context.
    const result = await call('u7');
    expect(result.output).toEqual({ price: 102, by: 'v2:u7' });
    expect(result.events).toEqual([{ type: 'QuoteGiven', data: { amount: 100, at: expect.any(Number) } }]);
    // Contracts are still enforced for worker-run versions.
    await expect(manager.invoke('pricing.quote', { amount: -1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });

    const back = await lucent(['registry', 'activate', 'pricing.quote', '1.0.0', '--reason', 'back to v1', ...cliRegistry]);
    expect(back.code, back.stderr).toBe(0);
    await watcher.waitForRevision((await registry.get('pricing.quote'))!.revision);
    expect((await call('u7')).output).toEqual({ price: 101, by: 'v1' });
  });

  it('splits traffic by weights set with `lucent registry weights`, sticky per user', async () => {
    const set = await lucent(['registry', 'weights', 'pricing.quote', '1.0.0=50', '2.0.0=50', ...cliRegistry]);
    expect(set.code, set.stderr).toBe(0);
    await watcher.waitForRevision((await registry.get('pricing.quote'))!.revision);
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const first = await Promise.all(users.map(async (u) => ((await call(u)).output as { by: string }).by.split(':')[0]));
    expect(new Set(first)).toEqual(new Set(['v1', 'v2']));
    const again = await Promise.all(users.map(async (u) => ((await call(u)).output as { by: string }).by.split(':')[0]));
    expect(again).toEqual(first);
  });

  describe('refused bundles never run', () => {
    const made: string[] = [];
    afterAll(async () => {
      await Promise.all(made.map((f) => rm(f, { force: true })));
    });

    /**
     * A module whose top level leaves a file behind: if the file appears, the bundle's code ran.
     * Each call writes a new module (its own marker path), so each bundle has its own id.
     */
    async function markerBundle(key: KeyObject): Promise<{ bundle: StoredBundle; marker: string }> {
      const marker = path.join(dir, `ran-${randomUUID()}`);
      const module = path.join(fixtures, `.marker-${randomUUID().slice(0, 8)}.ts`);
      made.push(module);
      await writeFile(
        module,
        [
          "import { writeFileSync } from 'node:fs';",
          "import { z } from 'zod';",
          "import { defineFunction } from '@lucent/core';",
          `writeFileSync(${JSON.stringify(marker)}, 'top-level code ran');`,
          "export const hello = defineFunction({ name: 'marker.hello', version: '1.0.0', input: z.object({}), output: z.string() }, () => 'hi');",
          '',
        ].join('\n'),
      );
      const { bundle } = await buildSignedBundle(module, key, Date.now());
      // Publishing imports the bundle to describe it (the publisher runs its own code); start from no marker.
      await rm(marker, { force: true });
      return { bundle, marker };
    }
    const trustedKey = async () => privateSigningKey(await readFile(keyFile, 'utf8'));
    const deliver = async (bundle: StoredBundle): Promise<BundleOutcome> => {
      await bundles.put(bundle);
      return deployer.outcome(bundle.id);
    };

    it('refuses a bundle with one changed byte, logs the reason, and never runs it', async () => {
      const { bundle, marker } = await markerBundle(await trustedKey());
      const code = new Uint8Array(bundle.code);
      code[Math.floor(code.length / 2)]! ^= 0x01;
      const outcome = await deliver({ ...bundle, code });
      expect(outcome).toMatchObject({ status: 'rejected', error: { code: 'BUNDLE_REJECTED', reason: 'hash-mismatch' } });
      expect(logs).toContainEqual(
        expect.objectContaining({ level: 'warn', message: 'bundle refused', fields: expect.objectContaining({ bundle: bundle.id, reason: 'hash-mismatch' }) }),
      );
      expect(existsSync(marker)).toBe(false);
      expect(manager.has('marker.hello')).toBe(false);
      expect(await registry.get('marker.hello')).toBeUndefined();
    });

    it('refuses an unsigned bundle', async () => {
      const { bundle, marker } = await markerBundle(await trustedKey());
      const { signature: _dropped, ...unsigned } = bundle;
      expect(await deliver(unsigned)).toMatchObject({ status: 'rejected', error: { reason: 'unsigned' } });
      expect(existsSync(marker)).toBe(false);
    });

    it('refuses a bundle signed by a key the node does not trust', async () => {
      const { bundle, marker } = await markerBundle(privateSigningKey(generateSigningKeyPair().privateKeyPem));
      expect(await deliver(bundle)).toMatchObject({ status: 'rejected', error: { reason: 'bad-signature' } });
      expect(existsSync(marker)).toBe(false);
      expect(manager.has('marker.hello')).toBe(false);
    });

    it('runs the same kind of module when it is intact and signed by the trusted key (so the marker can show a run)', async () => {
      const { bundle, marker } = await markerBundle(await trustedKey());
      expect(await deliver(bundle)).toMatchObject({ status: 'loaded', functions: ['marker.hello@1.0.0'] });
      expect(existsSync(marker)).toBe(true);
      // The first version of a new function is registered disabled: publishing moves no traffic until an operator says so.
      const recorded = (await registry.get('marker.hello'))!;
      expect(recorded.rules).toMatchObject({ active: '1.0.0', enabled: false });
      await watcher.waitForRevision(recorded.revision);
      await expect(manager.invoke('marker.hello', {})).rejects.toMatchObject({ code: 'FUNCTION_DISABLED' });
      const enabled = await new RegistryAdmin(registry).enable('marker.hello', { who: 'test', why: 'release marker.hello' });
      await watcher.waitForRevision(enabled.revision);
      expect((await manager.invoke('marker.hello', {})).output).toBe('hi');
    });
  });
});
