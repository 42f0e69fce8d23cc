// `lucent registry bundles [fn]` and `lucent registry withdraw <bundle-id>`: published bundles, their state per shard, and taking one back.
import { LucentError, unregisterVersion, type ChangeAudit, type RulesEntry } from '@lucent/core';
import { parseManifest, RegistryAdmin, type BundleManifest } from '@lucent/runtime';
import { askBundleStatus, bundleStatusSubject, KvRegistryStore, NatsBundleStore, type ShardBundleStatus } from '@lucent/nats';
import type { NatsConnection } from 'nats';

export interface BundleTarget {
  readonly connection: NatsConnection;
  readonly prefix: string;
  readonly bundleBucket: string;
  readonly registryBucket: string;
}

export interface BundleRow {
  readonly id: string;
  readonly publishedAt: number;
  readonly functions: readonly string[];
  /** Per function version: how the registry uses it (`active`, `inactive`, `weight 10%`, `shadow`, `not registered`). */
  readonly registry: readonly string[];
  /** Per shard that answered: loaded, refused (reason), failed, pending, or not seen. */
  readonly shards: readonly { readonly shard: string; readonly state: string }[];
}

/** The bundle's manifest; a malformed one (a refused bundle) as a bundle naming no function. */
function manifestOf(text: string, id: string): Pick<BundleManifest, 'id' | 'functions' | 'publishedAt'> {
  try {
    return { ...parseManifest(text), id };
  } catch {
    return { id, functions: [], publishedAt: 0 };
  }
}

function usage(entry: RulesEntry | undefined, version: string): string {
  const rules = entry?.rules;
  if (rules === undefined || rules.versions[version] === undefined) return 'not registered';
  const parts = [
    ...(rules.active === version ? [rules.enabled ? 'active' : 'active, disabled'] : []),
    ...((rules.weights[version] ?? 0) > 0 ? [`weight ${rules.weights[version]}%`] : []),
    ...(rules.shadow === version ? ['shadow'] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : 'inactive';
}

function shardState(answers: readonly ShardBundleStatus[], id: string): { shard: string; state: string }[] {
  return answers.map((a) => {
    const v = a.bundles.find((b) => b.id === id);
    if (v === undefined) return { shard: a.shard, state: 'not loaded' };
    if (v.status === 'rejected' || v.status === 'failed') return { shard: a.shard, state: `refused: ${v.reason ?? v.status}` };
    return { shard: a.shard, state: v.status };
  });
}

/** Every stored bundle (naming `fn`, when given) with the registry's use of its versions and each live shard's state. */
export async function listBundles(target: BundleTarget, fn: string | undefined): Promise<BundleRow[]> {
  const store = await NatsBundleStore.open({ connection: target.connection, bucket: target.bundleBucket, bindOnly: true });
  if (store === undefined) return [];
  const registry = await KvRegistryStore.open({ connection: target.connection, bucket: target.registryBucket, bindOnly: true });
  try {
    const manifests: Pick<BundleManifest, 'id' | 'functions' | 'publishedAt'>[] = [];
    for (const id of await store.list()) {
      const stored = await store.get(id);
      if (stored === undefined) continue;
      const manifest = manifestOf(stored.manifest, id);
      if (fn === undefined || manifest.functions.some((f) => f.name === fn)) manifests.push(manifest);
    }
    const answers = await askBundleStatus(target.connection, bundleStatusSubject(target.prefix, target.bundleBucket));
    const rows: BundleRow[] = [];
    for (const m of manifests) {
      const registryUse: string[] = [];
      for (const f of m.functions) registryUse.push(`${f.name}@${f.version} ${usage(await registry?.get(f.name), f.version)}`);
      rows.push({
        id: m.id,
        publishedAt: m.publishedAt,
        functions: m.functions.map((f) => `${f.name}@${f.version}`),
        registry: registryUse,
        shards: shardState(answers, m.id),
      });
    }
    return rows;
  } finally {
    await registry?.close();
    await store.close();
  }
}

export function formatBundles(rows: readonly BundleRow[], fn: string | undefined): string {
  if (rows.length === 0) return fn === undefined ? '(no bundles published)' : `(no published bundle holds ${fn})`;
  return rows
    .map((r) =>
      [
        `${r.id}  published ${new Date(r.publishedAt).toISOString()}`,
        ...r.registry.map((u) => `  registry: ${u}`),
        r.shards.length === 0 ? '  shards:   (no shard following this bucket answered)' : `  shards:   ${r.shards.map((s) => `${s.shard} ${s.state}`).join('; ')}`,
      ].join('\n'),
    )
    .join('\n');
}

/**
 * Take a bundle back: refused when one of its versions still gets calls (active, weighted, shadow);
 * otherwise its versions leave the registry (audited) and the bundle leaves the store, and every
 * shard that loaded it unloads it. The same code may then be published again.
 */
export async function withdrawBundle(target: BundleTarget, id: string, audit: ChangeAudit): Promise<{ readonly removedVersions: string[] }> {
  const store = await NatsBundleStore.open({ connection: target.connection, bucket: target.bundleBucket, bindOnly: true });
  const stored = await store?.get(id);
  if (store === undefined || stored === undefined) {
    await store?.close();
    throw new LucentError('FUNCTION_NOT_FOUND', `No bundle ${id} in ${target.bundleBucket}; \`lucent registry bundles\` lists them`, { id });
  }
  const registry = await KvRegistryStore.open({ connection: target.connection, bucket: target.registryBucket, bindOnly: true });
  try {
    const manifest = manifestOf(stored.manifest, id);
    const removedVersions: string[] = [];
    if (registry !== undefined) {
      // Check every version first, so a refusal leaves the registry and the store as they were.
      const referring: { name: string; version: string }[] = [];
      for (const f of manifest.functions) {
        const entry = await registry.get(f.name);
        if (entry?.rules.versions[f.version]?.bundle?.location === id) {
          unregisterVersion(entry.rules, f.version);
          referring.push({ name: f.name, version: f.version });
        }
      }
      const admin = new RegistryAdmin(registry);
      for (const { name, version } of referring) {
        await admin.update(name, (rules) => unregisterVersion(rules!, version), audit);
        removedVersions.push(`${name}@${version}`);
      }
    }
    await store.remove(id);
    return { removedVersions };
  } finally {
    await registry?.close();
    await store.close();
  }
}
