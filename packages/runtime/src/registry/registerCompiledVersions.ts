// At start, a node writes the versions compiled into it to the registry: idempotent, and never moving traffic.
import {
  initialRules,
  LucentError,
  registerVersion,
  RegistryConflictError,
  type AnyFunctionDefinition,
  type ChangeAudit,
  type RegisteredVersion,
} from '@lucent/core';
import { registeredVersionOf } from './contractFingerprint.js';
import type { RegistryStore } from './registryStore.js';

/** What happened to one compiled-in version. */
export interface CompiledRegistration {
  readonly name: string;
  readonly version: string;
  /** created: first rules of the function, this version active; added: registered inactive; known: already there. */
  readonly outcome: 'created' | 'added' | 'known' | 'refused';
  readonly error?: LucentError;
}

const maxAttempts = 8;

/**
 * Register every compiled-in version (the first definition of a name is the one the node serves
 * without rules, so it becomes active only when the registry has no rules for the name yet). A
 * version already registered is left alone; one registered with other contracts is refused and
 * reported, never overwritten. Nodes starting together race on the same keys: compare-and-set
 * retries make every outcome the same as one writer's.
 */
export async function registerCompiledVersions(
  store: RegistryStore,
  definitions: readonly AnyFunctionDefinition[],
  audit: ChangeAudit,
  now?: number,
): Promise<CompiledRegistration[]> {
  const byName = new Map<string, AnyFunctionDefinition[]>();
  for (const fn of definitions) byName.set(fn.name, [...(byName.get(fn.name) ?? []), fn]);
  const done = await Promise.all(
    [...byName].map(async ([name, defs]) => {
      const versions = defs.map((d) => registeredVersionOf(d, now));
      const out: CompiledRegistration[] = [];
      for (const version of versions) out.push(await registerOne(store, name, version, audit));
      return out;
    }),
  );
  return done.flat();
}

async function registerOne(store: RegistryStore, name: string, version: RegisteredVersion, audit: ChangeAudit): Promise<CompiledRegistration> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.get(name);
    if (current && Object.prototype.hasOwnProperty.call(current.rules.versions, version.version)) {
      const known = current.rules.versions[version.version]!;
      if (known.fingerprint.input === version.fingerprint.input && known.fingerprint.output === version.fingerprint.output) {
        return { name, version: version.version, outcome: 'known' };
      }
      return {
        name,
        version: version.version,
        outcome: 'refused',
        error: new LucentError('CONFLICT', `${name}@${version.version} is registered with other contracts; give the changed function a new version`, {
          name,
          version: version.version,
        }),
      };
    }
    try {
      if (current) await store.compareAndSet(name, current.revision, registerVersion(current.rules, version), audit);
      else await store.compareAndSet(name, 0, initialRules(name, version), audit);
      return { name, version: version.version, outcome: current ? 'added' : 'created' };
    } catch (error) {
      if (error instanceof RegistryConflictError && attempt < maxAttempts) continue;
      if (error instanceof LucentError && error.code !== 'UNAVAILABLE' && error.code !== 'REGISTRY_CONFLICT') {
        return { name, version: version.version, outcome: 'refused', error };
      }
      throw error;
    }
  }
}
