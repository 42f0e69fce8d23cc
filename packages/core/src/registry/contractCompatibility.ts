// When one version may replace another: the rule contract safety applies before a version gets traffic.
import type { RegisteredVersion } from './functionRules.js';

export type Compatibility = { readonly compatible: true } | { readonly compatible: false; readonly reason: string };

/**
 * Compatible means identical input and output contract fingerprints. Deciding that a changed schema
 * still accepts every old input (and every old reader accepts the new output) needs a full JSON Schema
 * subsumption check; a partial one would wave through real breaks, so any change is refused and an
 * operator who knows better forces it with a reason, which the audit log keeps.
 */
export function contractCompatibility(from: RegisteredVersion, to: RegisteredVersion): Compatibility {
  const input = from.fingerprint.input === to.fingerprint.input;
  const output = from.fingerprint.output === to.fingerprint.output;
  if (input && output) return { compatible: true };
  const parts = [input ? undefined : 'input contract differs', output ? undefined : 'output contract differs'];
  return { compatible: false, reason: parts.filter((p) => p !== undefined).join(', ') };
}
