// Store a signed bundle and report what became of it: every shard's verdict, and the registry's next step per function.
import { LucentError, type RulesEntry } from '@lucent/core';
import {
  awaitBundleVerdicts,
  bundleBucketFor,
  bundleStatusSubject,
  connectNats,
  KvRegistryStore,
  NatsBundleStore,
  registryBucketFor,
  type ShardBundleStatus,
} from '@lucent/nats';
import type { BuiltBundle } from './bundleFunctionModule.js';
import { openBundleStore } from './openBundleStore.js';

export interface ClusterTarget {
  readonly nats: string;
  readonly prefix: string;
  readonly bucket?: string;
  readonly registryBucket?: string;
  readonly waitMs: number;
  readonly json: boolean;
}

const functionsOf = (built: BuiltBundle): string => built.manifest.functions.map((f) => `  ${f.name}@${f.version}`).join('\n');

/** Embedded mode: a node polling the directory (BundleDeployer over FileBundleStore) loads it; nothing answers here. */
export async function publishToDirectory(built: BuiltBundle, dataDir: string, json: boolean): Promise<number> {
  const target = await openBundleStore({ dataDir });
  try {
    await target.store.put(built.bundle);
  } finally {
    await target.close();
  }
  if (json) console.log(JSON.stringify({ id: built.manifest.id, manifest: built.manifest, signature: built.bundle.signature }));
  else {
    console.log(
      `lucent publish: bundle ${built.manifest.id} signed and stored in ${target.where}\n${functionsOf(built)}\n` +
        'A node following this directory (a BundleDeployer over FileBundleStore) loads it within its poll interval; publishing moves no traffic.',
    );
  }
  return 0;
}

/** What an operator does next for one published version, from the registry's current rules. */
export function nextStep(name: string, version: string, entry: RulesEntry | undefined): string {
  if (entry === undefined || entry.rules.versions[version] === undefined) {
    return `${name}@${version}: not in the registry yet; \`lucent registry show ${name}\` once a shard has loaded it`;
  }
  const { rules } = entry;
  if (rules.active === version && !rules.enabled) {
    return `${name}@${version}: first version of a new function, registered disabled; start it with \`lucent registry enable ${name}\``;
  }
  if (rules.active === version) return `${name}@${version}: active (it was already)`;
  return (
    `${name}@${version}: registered inactive, ${rules.active} keeps the traffic; move it with ` +
    `\`lucent registry activate ${name} ${version}\` or a share with \`lucent registry weights ${name} ${version}=10\``
  );
}

function verdictLines(answers: readonly ShardBundleStatus[], id: string): string[] {
  return answers.map((a) => {
    const v = a.bundles.find((b) => b.id === id);
    if (v === undefined || v.status === 'pending') return `  ${a.shard}: no verdict yet (still loading, or the shard is stuck)`;
    if (v.status === 'loaded') return `  ${a.shard}: loaded`;
    return `  ${a.shard}: REFUSED ${v.reason ?? v.status}${v.message ? ` — ${v.message}` : ''}`;
  });
}

export async function publishToCluster(built: BuiltBundle, target: ClusterTarget): Promise<number> {
  const id = built.manifest.id;
  const bucket = target.bucket ?? bundleBucketFor(target.prefix);
  const connection = await connectNats({ url: target.nats, name: 'lucent-cli' });
  try {
    const store = await NatsBundleStore.open({ connection, bucket });
    let again = false;
    try {
      await store.put(built.bundle);
    } catch (error) {
      // The same code was published before (ids come from the code's hash): report what the shards made of it.
      if (!(error instanceof LucentError && error.code === 'CONFLICT')) throw error;
      again = true;
    } finally {
      await store.close();
    }
    const answers = target.waitMs === 0 ? [] : await awaitBundleVerdicts(connection, bundleStatusSubject(target.prefix, bucket), id, target.waitMs);
    const verdicts = answers.map((a) => a.bundles.find((b) => b.id === id));
    const refused = verdicts.filter((v) => v !== undefined && (v.status === 'rejected' || v.status === 'failed'));
    const silent = verdicts.filter((v) => v === undefined || v.status === 'pending').length;
    const registry = await KvRegistryStore.open({ connection, bucket: target.registryBucket ?? registryBucketFor(target.prefix), bindOnly: true });
    const entries = new Map<string, RulesEntry | undefined>();
    try {
      for (const f of built.manifest.functions) entries.set(f.name, await registry?.get(f.name));
    } finally {
      await registry?.close();
    }
    if (target.json) {
      console.log(
        JSON.stringify({ id, manifest: built.manifest, signature: built.bundle.signature, alreadyStored: again, shards: answers, registry: [...entries.values()].filter(Boolean) }),
      );
    } else {
      const lines = [
        `lucent publish: bundle ${id} (${built.manifest.bundle.bytes} bytes, ${built.manifest.bundle.sha256}) ${again ? 'was already stored' : 'signed and stored'} in ${target.nats} (object store ${bucket})`,
        functionsOf(built),
      ];
      if (target.waitMs === 0) lines.push('not waiting for the shards (--wait 0); `lucent registry bundles NAME` shows their verdicts');
      else if (answers.length === 0) lines.push(`no shard follows ${bucket} under prefix ${target.prefix} right now; a shard that starts later loads the bundle`);
      else lines.push(`shards (${answers.length}):`, ...verdictLines(answers, id));
      if (refused.length === 0 && silent === 0) lines.push(...built.manifest.functions.map((f) => nextStep(f.name, f.version, entries.get(f.name))));
      (refused.length > 0 || silent > 0 ? console.error : console.log)(lines.join('\n'));
    }
    if (refused.length > 0) {
      const reasons = [...new Set(refused.map((v) => v!.reason ?? v!.status))].join(', ');
      console.error(
        `lucent publish: refused by ${refused.length} of ${answers.length} shards (${reasons}); the bundle runs nowhere it was refused.\n` +
          `  Fix the cause (sign with the key the shards trust: their bundles.publicKeyFile), withdraw this bundle with\n` +
          `  \`lucent registry withdraw ${id} --nats ${target.nats}${target.prefix === 'lucent' ? '' : ` --prefix ${target.prefix}`}\`, and publish again.`,
      );
      return 1;
    }
    if (silent > 0) {
      console.error(`lucent publish: ${silent} of ${answers.length} shards gave no verdict within ${target.waitMs / 1_000} s; check their logs, or \`lucent registry bundles NAME\` later`);
      return 1;
    }
    return 0;
  } finally {
    await connection.drain();
  }
}
