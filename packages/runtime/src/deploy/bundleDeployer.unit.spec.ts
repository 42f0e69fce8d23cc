// Verification, loading and containment of bundles on one node, with hand-written bundle code (no esbuild, no servers).
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineFunction, InvocationContext, unregisterVersion, type Logger } from '@lucent/core';
import { FunctionManager } from '../functionManager/functionManager.js';
import { ShardRegistry } from '../cluster/shardRegistry.js';
import { MemoryRegistryStore } from '../registry/memoryRegistryStore.js';
import { RegistryAdmin } from '../registry/registryAdmin.js';
import { bundleFormat, bundleIdFor, type BundleManifest, type StoredBundle } from './bundleManifest.js';
import { BundleDeployer } from './bundleDeployer.js';
import { generateSigningKeyPair, privateSigningKey, publicVerifyKey, sha256Of, signManifest } from './bundleSignature.js';
import { BundleWorker } from './bundleWorker.js';
import { MemoryBundleStore } from './memoryBundleStore.js';
import { verifyBundle } from './verifyBundle.js';

const trusted = generateSigningKeyPair();
const stranger = generateSigningKeyPair();

/** A bundle as `lucent publish` shapes it, with a tiny stand-in for the bundled core. */
const demoSource = (version: string, extra = ''): string => `
${extra}
class Ctx {
  constructor(seed) { this.seed = seed; this.events = undefined; this.business = seed.business ?? {}; this.execution = seed.execution; }
  now() { return this.seed.now; }
  emit(event) { (this.events ??= []).push(event); }
}
const any = { '~standard': { version: 1, vendor: 'test', validate: (value) => ({ value }) } };
const validate = (contract, value, where, subject) => {
  if (where === 'input' && (typeof value !== 'object' || value === null || typeof value.mode !== 'string')) {
    const e = new Error('bad input');
    e.code = 'VALIDATION_FAILED';
    e.toJSON = () => ({ code: 'VALIDATION_FAILED', message: 'Invalid input for ' + subject + ': mode: required', details: { where, subject, issues: [{ path: 'mode', message: 'required' }] } });
    throw e;
  }
  return contract['~standard'].validate(value).value;
};
const echo = {
  kind: 'lucent.function', name: 'demo.echo', version: ${JSON.stringify(version)}, input: any, output: any, meta: { heavy: true },
  handler: (input, ctx) => {
    if (input.mode === 'spin') for (;;) {}
    if (input.mode === 'exit') process.exit(3);
    if (input.mode === 'throw') throw new Error('boom');
    if (input.mode === 'log') ctx.seed.log.info('hello from the bundle', { n: 1 });
    if (input.mode === 'uncloneable') return { fn: () => 1 };
    ctx.emit({ type: 'Echoed', data: { at: ctx.now() } });
    return { by: 'bundle-' + ${JSON.stringify(version)}, user: ctx.business.userId ?? null, env: Object.keys(process.env).length };
  },
};
export const lucentBundle = { format: 'lucent.bundle/1', module: { echo }, runtime: { InvocationContext: Ctx, validate, functionsOf: () => [] } };
`;

function signed(source: string, signer = trusted, functions = [{ name: 'demo.echo', version: '2.0.0' }]): StoredBundle {
  const code = new TextEncoder().encode(source);
  const sha256 = sha256Of(code);
  const fns = functions.map((f) => ({ ...f, fingerprint: { input: 'sha256:in', output: 'sha256:out' } }));
  const manifest: BundleManifest = { format: bundleFormat, id: bundleIdFor(fns, sha256), functions: fns, bundle: { sha256, bytes: code.byteLength }, publishedAt: 1_700_000_000_000 };
  return { id: manifest.id, code, manifest: JSON.stringify(manifest), signature: signManifest(manifest, privateSigningKey(signer.privateKeyPem)) };
}

const v1 = defineFunction(
  { name: 'demo.echo', version: '1.0.0', input: z.object({ mode: z.string() }), output: z.object({ by: z.string() }) },
  () => ({ by: 'compiled-v1' }),
);

describe('verifyBundle', () => {
  const key = publicVerifyKey(trusted.publicKeyPem);
  const good = signed(demoSource('2.0.0'));

  it('accepts an intact bundle signed by the trusted key', () => {
    expect(verifyBundle(good, key).manifest.functions).toMatchObject([{ name: 'demo.echo', version: '2.0.0' }]);
  });

  it('refuses one changed byte of code, anywhere', () => {
    for (const at of [0, Math.floor(good.code.length / 2), good.code.length - 1]) {
      const code = new Uint8Array(good.code);
      code[at]! ^= 0x20;
      expect(() => verifyBundle({ ...good, code }, key)).toThrow(expect.objectContaining({ code: 'BUNDLE_REJECTED', reason: 'hash-mismatch' }));
    }
  });

  it('refuses a changed manifest, a missing, foreign or garbled signature, and a malformed manifest', () => {
    const edited = good.manifest.replace('"publishedAt":1700000000000', '"publishedAt":1700000000001');
    expect(edited).not.toBe(good.manifest);
    const cases: [StoredBundle, string][] = [
      [{ ...good, manifest: edited }, 'bad-signature'],
      [{ id: good.id, code: good.code, manifest: good.manifest }, 'unsigned'],
      [signed(demoSource('2.0.0'), stranger), 'bad-signature'],
      [{ ...good, signature: 'AAAA' }, 'bad-signature'],
      [{ ...good, manifest: '{"format":"lucent.bundle/1"}' }, 'malformed-manifest'],
      [{ ...good, id: 'another-id' }, 'manifest-mismatch'],
    ];
    for (const [bundle, reason] of cases) {
      expect(() => verifyBundle(bundle, key), reason).toThrow(expect.objectContaining({ reason }));
    }
  });
});

describe('BundleWorker', () => {
  const verified = (source: string) => verifyBundle(signed(source), publicVerifyKey(trusted.publicKeyPem));

  it('refuses a bundle whose top level throws, without harming this process', async () => {
    await expect(BundleWorker.start(verified(`throw new Error('top-level failure');`))).rejects.toMatchObject({
      reason: 'load-failed',
      message: expect.stringContaining('top-level failure'),
    });
  });

  it('refuses a module that is not a Lucent bundle, and one whose top level never finishes', async () => {
    await expect(BundleWorker.start(verified('export const x = 1;'))).rejects.toMatchObject({ reason: 'load-failed' });
    await expect(BundleWorker.start(verified('for (;;) {}'), { loadTimeoutMs: 300 })).rejects.toMatchObject({
      reason: 'load-failed',
      message: expect.stringContaining('not loaded within 300 ms'),
    });
  });

  it('serves calls on one pooled thread, forwards its logs, refuses a result that cannot cross threads, and ends the thread when unloaded', async () => {
    const lines: unknown[] = [];
    const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
    const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const bundle = verified(demoSource('2.0.0'));
    const worker = await BundleWorker.start(bundle, { logger });
    try {
      expect(worker.functions).toEqual([{ name: 'demo.echo', version: '2.0.0', meta: { heavy: true } }]);
      expect(worker.threads).toBe(1);
      const ctx = new InvocationContext({ now: 7, business: { userId: 'u9' } });
      const calls = await Promise.all(Array.from({ length: 8 }, () => worker.call('demo.echo', '2.0.0', { mode: 'log' }, ctx)));
      expect(calls.map((c) => c.output)).toEqual(Array(8).fill({ by: 'bundle-2.0.0', user: 'u9', env: 0 }));
      // Log lines travel on the thread's own port, not with the reply: they may land just after it.
      await expect.poll(() => lines.length, { timeout: 5_000 }).toBe(8);
      expect(lines[0]).toEqual({ level: 'info', message: 'hello from the bundle', fields: { bundle: bundle.id, n: 1 } });
      await expect(worker.call('demo.echo', '2.0.0', { mode: 'uncloneable' }, ctx)).rejects.toMatchObject({
        code: 'FUNCTION_FAILED',
        message: expect.stringContaining('cannot cross threads'),
      });
      await expect(worker.call('demo.echo', '2.0.0', { mode: () => 1 }, ctx)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(worker.threads).toBe(1);
    } finally {
      await worker.terminate();
    }
    expect(worker.threads).toBe(0);
    await expect(worker.call('demo.echo', '2.0.0', { mode: 'echo' }, new InvocationContext({ now: 0 }))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('BundleDeployer', () => {
  async function node() {
    const store = new MemoryBundleStore();
    const registry = new MemoryRegistryStore();
    // A generous default budget: the first call into a fresh worker thread is slow on a loaded machine, and deadlines are not under test here.
    const manager = new FunctionManager({ defaultTimeoutMs: 30_000 }).register(v1);
    const deployer = new BundleDeployer({ store, manager, registry, publicKey: trusted.publicKeyPem, worker: { stuckGraceMs: 200 } });
    await deployer.start();
    return { store, registry, manager, deployer };
  }

  it('registers a new version inactive, runs it in a worker when chosen, and records it in the registry', async () => {
    const { store, registry, manager, deployer } = await node();
    try {
      const bundle = signed(demoSource('2.0.0'));
      await store.put(bundle);
      expect(await deployer.outcome(bundle.id)).toMatchObject({ status: 'loaded', functions: ['demo.echo@2.0.0'], recorded: true });
      expect((await manager.invoke('demo.echo', { mode: 'echo' })).output).toEqual({ by: 'compiled-v1' });
      const r = await manager.invoke('demo.echo', { mode: 'echo' }, { version: '2.0.0', business: { userId: 'u1' }, now: 42 });
      // The bundle sees the caller's context, emits events as data, and gets none of this process's environment.
      expect(r).toEqual({ output: { by: 'bundle-2.0.0', user: 'u1', env: 0 }, events: [{ type: 'Echoed', data: { at: 42 } }] });
      await expect(manager.invoke('demo.echo', {}, { version: '2.0.0' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'mode' }] });
      await expect(manager.invoke('demo.echo', { mode: 'throw' }, { version: '2.0.0' })).rejects.toMatchObject({ code: 'FUNCTION_FAILED' });
      const entry = await registry.get('demo.echo');
      expect(entry?.rules.versions['2.0.0']).toMatchObject({ bundle: { location: bundle.id, digest: expect.stringMatching(/^sha256:/) } });
    } finally {
      await deployer.close();
    }
  });

  it('replaces a worker stuck past a deadline or killed by its function, and keeps serving', async () => {
    const { store, manager, deployer } = await node();
    try {
      const bundle = signed(demoSource('2.0.0'));
      await store.put(bundle);
      await deployer.outcome(bundle.id);
      await expect(manager.invoke('demo.echo', { mode: 'spin' }, { version: '2.0.0', timeoutMs: 200 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      await new Promise((r) => setTimeout(r, 400));
      expect((await manager.invoke('demo.echo', { mode: 'echo' }, { version: '2.0.0' })).output).toMatchObject({ by: 'bundle-2.0.0' });
      await expect(manager.invoke('demo.echo', { mode: 'exit' }, { version: '2.0.0' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect((await manager.invoke('demo.echo', { mode: 'echo' }, { version: '2.0.0' })).output).toMatchObject({ by: 'bundle-2.0.0' });
    } finally {
      await deployer.close();
    }
  });

  it('refuses a bundle whose code defines other functions than its signed manifest names', async () => {
    const { store, manager, deployer } = await node();
    try {
      const bundle = signed(demoSource('2.0.0'), trusted, [{ name: 'demo.echo', version: '9.9.9' }]);
      await store.put(bundle);
      expect(await deployer.outcome(bundle.id)).toMatchObject({ status: 'rejected', error: { reason: 'manifest-mismatch' } });
      expect(manager.list().find((f) => f.name === 'demo.echo')?.versions).toEqual(['1.0.0']);
    } finally {
      await deployer.close();
    }
  });

  it('never moves traffic when the registry did not know the function: the compiled-in version stays active, the published one is inactive', async () => {
    const { store, registry, deployer } = await node();
    try {
      const bundle = signed(demoSource('2.0.0'));
      await store.put(bundle);
      await deployer.outcome(bundle.id);
      const rules = (await registry.get('demo.echo'))!.rules;
      expect(rules.active).toBe('1.0.0');
      expect(rules.enabled).toBe(true);
      expect(Object.keys(rules.versions).sort()).toEqual(['1.0.0', '2.0.0']);
      expect(rules.versions['1.0.0']?.bundle).toBeUndefined();
    } finally {
      await deployer.close();
    }
  });

  it('registers the first version of a new function disabled, so publishing it serves nothing until an operator enables it', async () => {
    const store = new MemoryBundleStore();
    const registry = new MemoryRegistryStore();
    const manager = new FunctionManager({ defaultTimeoutMs: 30_000 });
    const deployer = new BundleDeployer({ store, manager, registry, publicKey: trusted.publicKeyPem });
    await deployer.start();
    try {
      const bundle = signed(demoSource('1.0.0'), trusted, [{ name: 'demo.echo', version: '1.0.0' }]);
      await store.put(bundle);
      expect(await deployer.outcome(bundle.id)).toMatchObject({ status: 'loaded', recorded: true });
      expect((await registry.get('demo.echo'))!.rules).toMatchObject({ active: '1.0.0', enabled: false });
    } finally {
      await deployer.close();
    }
  });

  it('unloads a bundle once the registry lists none of its versions, keeping the inactive ones that are still listed', async () => {
    const store = new MemoryBundleStore();
    const registry = new MemoryRegistryStore();
    const manager = new FunctionManager({ defaultTimeoutMs: 30_000 }).register(v1);
    const shard = new ShardRegistry({ manager, registry, bundles: { store, publicKey: trusted.publicKeyPem }, shadow: false, nodeId: 'n1' });
    await shard.start();
    const deployer = shard.deployer!;
    const admin = new RegistryAdmin(registry);
    const audit = { who: 'ops@test', why: 'retire old versions' };
    const hosted = (): readonly string[] => manager.list().find((f) => f.name === 'demo.echo')?.versions ?? [];
    try {
      const versions = ['2.0.0', '3.0.0', '4.0.0'];
      for (const v of versions) {
        const bundle = signed(demoSource(v), trusted, [{ name: 'demo.echo', version: v }]);
        await store.put(bundle);
        expect(await deployer.outcome(bundle.id)).toMatchObject({ status: 'loaded', recorded: true });
      }
      await shard.watcher!.waitForRevision((await registry.get('demo.echo'))!.revision);
      expect(deployer.loadedWorkers).toBe(3);
      // Registered, inactive: listed, so loaded (activate or rollback would need it at once).
      expect(hosted()).toEqual(['1.0.0', ...versions]);
      // Retire 2.0.0 and 3.0.0: they leave the registry; their bundles stay in the store.
      for (const v of ['2.0.0', '3.0.0']) await admin.update('demo.echo', (r) => unregisterVersion(r!, v), audit);
      await expect.poll(() => deployer.loadedWorkers, { timeout: 5_000 }).toBe(1);
      expect(hosted()).toEqual(['1.0.0', '4.0.0']);
      await expect(manager.invoke('demo.echo', { mode: 'echo' }, { version: '2.0.0' })).rejects.toMatchObject({ code: 'FUNCTION_NOT_FOUND' });
      expect((await manager.invoke('demo.echo', { mode: 'echo' }, { version: '4.0.0' })).output).toMatchObject({ by: 'bundle-4.0.0' });
      // Other rule changes (a weight, the kill switch) unload nothing that is still listed.
      await admin.disable('demo.echo', audit);
      await admin.enable('demo.echo', audit);
      expect(deployer.loadedWorkers).toBe(1);
      await admin.update('demo.echo', (r) => unregisterVersion(r!, '4.0.0'), audit);
      await expect.poll(() => deployer.loadedWorkers, { timeout: 5_000 }).toBe(0);
      expect(hosted()).toEqual(['1.0.0']);
      expect((await manager.invoke('demo.echo', { mode: 'echo' })).output).toEqual({ by: 'compiled-v1' });
    } finally {
      await shard.stop();
    }
  });
});
