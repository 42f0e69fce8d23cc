// Records a loaded bundle's versions in the registry store, inactive, idempotently across every node doing the same.
import {
  initialRules,
  registerVersion,
  RegistryConflictError,
  unreleasedRules,
  type FunctionRules,
  type RegisteredVersion,
} from '@lucent/core';
import type { RegistryStore } from '../registry/registryStore.js';
import type { VerifiedBundle } from './verifyBundle.js';

const maxAttempts = 5;

/**
 * Every node that loads a bundle calls this; the first write wins and the others find the version
 * already there. Publishing never moves traffic: a new version of a known function is registered
 * inactive. A function the registry does not know yet gets rules in which the versions compiled
 * into this node (`compiled`, the first one active) keep serving; with none, it is a new function
 * and its first version is registered disabled until an operator enables it.
 */
export async function recordBundleVersions(
  registry: RegistryStore,
  bundle: VerifiedBundle,
  who: string,
  compiled: (name: string) => readonly RegisteredVersion[] = () => [],
): Promise<void> {
  for (const fn of bundle.manifest.functions) {
    const version: RegisteredVersion = {
      version: fn.version,
      fingerprint: fn.fingerprint,
      registeredAt: bundle.manifest.publishedAt,
      bundle: { location: bundle.id, digest: bundle.manifest.bundle.sha256, signature: bundle.signature },
    };
    const audit = { who, why: `bundle ${bundle.id} published` };
    for (let attempt = 1; ; attempt++) {
      const current = await registry.get(fn.name);
      if (current && Object.prototype.hasOwnProperty.call(current.rules.versions, fn.version)) break;
      try {
        if (current) await registry.compareAndSet(fn.name, current.revision, registerVersion(current.rules, version), audit);
        else await registry.compareAndSet(fn.name, 0, firstRules(fn.name, version, compiled(fn.name)), audit);
        break;
      } catch (error) {
        // Another node recorded (or an operator changed) the function meanwhile: re-read and look again.
        if (!(error instanceof RegistryConflictError) || attempt >= maxAttempts) throw error;
      }
    }
  }
}

function firstRules(name: string, version: RegisteredVersion, compiled: readonly RegisteredVersion[]): FunctionRules {
  const [serving, ...others] = compiled.filter((v) => v.version !== version.version);
  if (serving === undefined) return unreleasedRules(name, version);
  return [...others, version].reduce(registerVersion, initialRules(name, serving));
}
