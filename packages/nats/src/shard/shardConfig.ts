// The JSON a shard process starts from (`lucent shard --config file.json`), checked field by field.
import { ValidationError, type FieldIssue, type ResourceClass } from '@lucent/core';
import type { ChaosSettings } from '@lucent/runtime';

export interface ShardConfig {
  /** Unique address of the shard, e.g. 'aave-1'; letters, digits, '-' and '_'. */
  readonly id: string;
  /** Placement tags: 'aave', 'arbitrage', 'whale', … */
  readonly tags: readonly string[];
  /** NATS server URL(s), comma-separated. */
  readonly nats: string;
  /** First token of every subject; shards and callers of one cluster share it. */
  readonly subjectPrefix: string;
  /** Module (path relative to the config file) exporting `functions` or `functionRegistry`: a name → definition map. */
  readonly module?: string;
  /** Host only these function names of the module (all when absent). */
  readonly only?: readonly string[];
  readonly reportIntervalMs: number;
  readonly capacity?: ResourceClass;
  readonly chaos?: ChaosSettings;
  /** Accept chaos settings at run time on `<prefix>.shard.<id>.chaos` (tests and demos only). */
  readonly chaosControl: boolean;
  /** Run `heavy: true` functions in a worker pool that kills a call at its deadline. */
  readonly heavy?: HeavyPoolConfig;
  /** Follow the function registry (JetStream KV): rules, kill switch and shadow versions apply on this shard. */
  readonly registry?: RegistryConfig;
  /** Load bundles published with `lucent publish` (JetStream object store) without a restart. */
  readonly bundles?: BundlesConfig;
}

export interface RegistryConfig {
  /** KV bucket of the registry; named from the subject prefix by default (`lucent-registry` for `lucent`), as `lucent registry --prefix` does. */
  readonly bucket?: string;
  /** How shadow versions run here (see docs/registry.md, Shadow versions). */
  readonly shadow?: ShadowConfig;
}

export interface ShadowConfig {
  /** Fraction (0..1) of the calls with a shadow version that run it; by correlation id (default 1). */
  readonly sampleRate?: number;
  /** Shadow runs at once on this shard; beyond it a comparison is skipped to protect live calls (default 64). */
  readonly maxInFlight?: number;
}

export interface BundlesConfig {
  /** Object store bucket; named from the subject prefix by default (`lucent_bundles` for `lucent`), as `lucent publish --prefix` does. */
  readonly bucket?: string;
  /** The publishers' ed25519 public key, PEM (path relative to the config file), from `lucent keygen`. */
  readonly publicKeyFile: string;
}

export interface HeavyPoolConfig {
  /** Built JavaScript module exporting the function map the workers load (path relative to the config file). */
  readonly registryModule: string;
  /** Its export holding the map; `functionRegistry` by default. */
  readonly registryExport?: string;
  /** The worker entry; the runtime's compiled one by default. */
  readonly workerFile?: string;
  readonly maxThreads?: number;
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Check parsed JSON (plus command-line overrides) and fill defaults; a ValidationError names every bad field. */
export function parseShardConfig(raw: unknown, overrides: Partial<ShardConfig> = {}): ShardConfig {
  const issues: FieldIssue[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError('config', 'shard config', [{ path: '', message: 'must be a JSON object' }]);
  }
  const r = { ...(raw as Record<string, unknown>), ...overrides } as Record<string, unknown>;
  const id = r['id'];
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]+$/.test(id)) issues.push({ path: 'id', message: "letters, digits, '-' and '_' only" });
  const tags = r['tags'] ?? [];
  if (!isStringArray(tags)) issues.push({ path: 'tags', message: 'a list of strings' });
  const nats = r['nats'] ?? 'nats://127.0.0.1:4222';
  if (typeof nats !== 'string' || !nats.includes('://')) issues.push({ path: 'nats', message: 'a URL such as nats://127.0.0.1:4222' });
  const subjectPrefix = r['subjectPrefix'] ?? 'lucent';
  if (typeof subjectPrefix !== 'string' || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subjectPrefix)) {
    issues.push({ path: 'subjectPrefix', message: 'subject tokens without spaces or wildcards' });
  }
  const module = r['module'];
  if (module !== undefined && typeof module !== 'string') issues.push({ path: 'module', message: 'a path to a module' });
  const only = r['only'];
  if (only !== undefined && !isStringArray(only)) issues.push({ path: 'only', message: 'a list of function names' });
  const reportIntervalMs = r['reportIntervalMs'] ?? 1_000;
  if (typeof reportIntervalMs !== 'number' || reportIntervalMs < 50 || reportIntervalMs > 60_000) {
    issues.push({ path: 'reportIntervalMs', message: 'between 50 and 60000' });
  }
  const capacity = r['capacity'] as ResourceClass | undefined;
  if (capacity !== undefined && (typeof capacity?.cpu !== 'number' || typeof capacity.memory !== 'number')) {
    issues.push({ path: 'capacity', message: '{ "cpu": number, "memory": number }' });
  }
  const chaos = r['chaos'] as ChaosSettings | undefined;
  if (chaos !== undefined && (typeof chaos !== 'object' || chaos === null)) issues.push({ path: 'chaos', message: 'an object' });
  const chaosControl = r['chaosControl'] ?? false;
  if (typeof chaosControl !== 'boolean') issues.push({ path: 'chaosControl', message: 'true or false' });
  const heavy = r['heavy'] as HeavyPoolConfig | undefined;
  if (heavy !== undefined && (typeof heavy !== 'object' || heavy === null || typeof heavy.registryModule !== 'string')) {
    issues.push({ path: 'heavy.registryModule', message: 'the path of a built module exporting the function map' });
  }
  const registry = r['registry'] as RegistryConfig | undefined;
  if (registry !== undefined && (typeof registry !== 'object' || registry === null || (registry.bucket !== undefined && typeof registry.bucket !== 'string'))) {
    issues.push({ path: 'registry.bucket', message: 'a KV bucket name' });
  }
  const shadow = registry?.shadow;
  if (shadow !== undefined) {
    const rate = shadow.sampleRate;
    if (rate !== undefined && !(typeof rate === 'number' && rate >= 0 && rate <= 1)) issues.push({ path: 'registry.shadow.sampleRate', message: 'a fraction from 0 to 1' });
    const max = shadow.maxInFlight;
    if (max !== undefined && !(Number.isInteger(max) && max >= 1)) issues.push({ path: 'registry.shadow.maxInFlight', message: 'a whole number of at least 1' });
  }
  const bundles = r['bundles'] as BundlesConfig | undefined;
  if (bundles !== undefined) {
    if (typeof bundles !== 'object' || bundles === null || typeof bundles.publicKeyFile !== 'string') {
      issues.push({ path: 'bundles.publicKeyFile', message: 'the path of the publishers\' public key (lucent keygen)' });
    } else if (bundles.bucket !== undefined && typeof bundles.bucket !== 'string') {
      issues.push({ path: 'bundles.bucket', message: 'an object store bucket name' });
    }
  }
  if (issues.length > 0) throw new ValidationError('config', 'shard config', issues);
  return {
    id: id as string,
    tags: tags as string[],
    nats: nats as string,
    subjectPrefix: subjectPrefix as string,
    ...(module === undefined ? {} : { module: module as string }),
    ...(only === undefined ? {} : { only: only as string[] }),
    reportIntervalMs: reportIntervalMs as number,
    ...(capacity === undefined ? {} : { capacity }),
    ...(chaos === undefined ? {} : { chaos }),
    chaosControl: chaosControl as boolean,
    ...(heavy === undefined ? {} : { heavy }),
    ...(registry === undefined ? {} : { registry }),
    ...(bundles === undefined ? {} : { bundles }),
  };
}
