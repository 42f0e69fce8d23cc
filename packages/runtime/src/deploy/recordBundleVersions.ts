// Records a loaded bundle's versions in the registry store, inactive, idempotently across every node doing the same.
import {
  initialRules,
  registerVersion,
  RegistryConflictError,
  type RegisteredVersion,
} from '@lucent/core';
import type { RegistryStore } from '../registry/registryStore.js';
import type { VerifiedBundle } from './verifyBundle.js';

const maxAttempts = 5;

/**
 * Every node that loads a bundle calls this; the first write wins and the others find the version
 * already there. A new version of a known function gets no traffic; a function seen for the first
 * time starts with this version active, because it has no other.
 */
export async function recordBundleVersions(registry: RegistryStore, bundle: VerifiedBundle, who: string): Promise<void> {
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
        else await registry.compareAndSet(fn.name, 0, initialRules(fn.name, version), audit);
        break;
      } catch (error) {
        // Another node recorded (or an operator changed) the function meanwhile: re-read and look again.
        if (!(error instanceof RegistryConflictError) || attempt >= maxAttempts) throw error;
      }
    }
  }
}
