// Registered versions read from the manifest `lucent generate` writes (function-manifest.json).
import type { RegisteredVersion } from './functionRules.js';

interface ManifestFunction {
  readonly name: string;
  readonly version: string;
  readonly fingerprint: { readonly input: string; readonly output: string };
}

/** name → registered version for every function in a parsed manifest. */
export function versionsFromManifest(manifest: unknown): Map<string, RegisteredVersion> {
  const out = new Map<string, RegisteredVersion>();
  const functions = (manifest as { functions?: readonly ManifestFunction[] } | null)?.functions ?? [];
  for (const f of functions) {
    out.set(f.name, { version: f.version, fingerprint: { input: f.fingerprint.input, output: f.fingerprint.output } });
  }
  return out;
}
