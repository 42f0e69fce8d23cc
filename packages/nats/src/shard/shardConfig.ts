// The JSON a shard process starts from (`lucent shard --config file.json`) and its schema: defaults filled in, every bad field named.
import { toFieldIssues, ValidationError, type ResourceClass } from '@lucent/core';
import type { ChaosSettings } from '@lucent/runtime/cluster';
import { z } from 'zod';

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

// The messages are the ones given when these checks were hand-written: operators read them beside the
// field in a start-up error, so they say what to write rather than what zod expected.
const listOf = (message: string) => z.array(z.string({ error: message }), { error: message });
const idMessage = "letters, digits, '-' and '_' only";
const prefixMessage = 'subject tokens without spaces or wildcards';
const capacityMessage = '{ "cpu": number, "memory": number }';
const bucketName = (message: string) => z.string({ error: message }).min(1, { error: message }).optional();

/** The shard config as a schema: the one place its fields, defaults and bounds are written. */
export const ShardConfigSchema = z.object(
  {
    id: z.string({ error: idMessage }).regex(/^[A-Za-z0-9_-]+$/, { error: idMessage }),
    tags: listOf('a list of strings').default([]),
    nats: z
      .string({ error: 'a URL such as nats://127.0.0.1:4222' })
      .includes('://', { error: 'a URL such as nats://127.0.0.1:4222' })
      .default('nats://127.0.0.1:4222'),
    subjectPrefix: z
      .string({ error: prefixMessage })
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, { error: prefixMessage })
      .default('lucent'),
    module: z.string({ error: 'a path to a module' }).optional(),
    only: listOf('a list of function names').optional(),
    reportIntervalMs: z
      .number({ error: 'between 50 and 60000' })
      .min(50, { error: 'between 50 and 60000' })
      .max(60_000, { error: 'between 50 and 60000' })
      .default(1_000),
    capacity: z
      .object({ cpu: z.number({ error: capacityMessage }), memory: z.number({ error: capacityMessage }) }, { error: capacityMessage })
      .optional(),
    chaos: z
      .object(
        {
          slowdownFactor: z.number({ error: 'a factor of at least 1 (5 = five times slower)' }).min(1, { error: 'a factor of at least 1 (5 = five times slower)' }).optional(),
          extraDelayMs: z.number({ error: 'milliseconds, at least 0' }).min(0, { error: 'milliseconds, at least 0' }).optional(),
        },
        { error: 'an object' },
      )
      .optional(),
    chaosControl: z.boolean({ error: 'true or false' }).default(false),
    heavy: z
      .object(
        {
          registryModule: z.string({ error: 'the path of a built module exporting the function map' }),
          registryExport: z.string({ error: 'the name of the export holding the function map' }).optional(),
          workerFile: z.string({ error: 'the path of the worker entry' }).optional(),
          maxThreads: z.int({ error: 'a whole number of at least 1' }).min(1, { error: 'a whole number of at least 1' }).optional(),
        },
        { error: '{ "registryModule": path of a built module exporting the function map }' },
      )
      .optional(),
    registry: z
      .object(
        {
          bucket: bucketName('a KV bucket name'),
          shadow: z
            .object(
              {
                sampleRate: z.number({ error: 'a fraction from 0 to 1' }).min(0, { error: 'a fraction from 0 to 1' }).max(1, { error: 'a fraction from 0 to 1' }).optional(),
                maxInFlight: z.int({ error: 'a whole number of at least 1' }).min(1, { error: 'a whole number of at least 1' }).optional(),
              },
              { error: 'an object' },
            )
            .optional(),
        },
        { error: 'an object (may be empty: {})' },
      )
      .optional(),
    bundles: z
      .object(
        {
          bucket: bucketName('an object store bucket name'),
          publicKeyFile: z.string({ error: "the path of the publishers' public key (lucent keygen)" }),
        },
        { error: '{ "publicKeyFile": path of the publishers\' public key (lucent keygen) }' },
      )
      .optional(),
  },
  { error: 'must be a JSON object' },
);

// Written against the interfaces above so the schema and the documented types cannot drift apart.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Mutable<T> = T extends readonly (infer E)[] ? Mutable<E>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
const schemaMatchesInterface: Exact<Mutable<ShardConfig>, z.output<typeof ShardConfigSchema>> = true;
void schemaMatchesInterface;

/** Check parsed JSON (plus command-line overrides) and fill defaults; a ValidationError names every bad field. */
export function parseShardConfig(raw: unknown, overrides: Partial<ShardConfig> = {}): ShardConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError('config', 'shard config', [{ path: '', message: 'must be a JSON object' }]);
  }
  // An override left undefined means "not given on the command line", not "unset the file's value".
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const result = ShardConfigSchema.safeParse({ ...raw, ...given });
  if (!result.success) throw new ValidationError('config', 'shard config', toFieldIssues(result.error.issues));
  return result.data;
}
