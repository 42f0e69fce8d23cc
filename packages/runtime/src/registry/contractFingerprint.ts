// The sha256 fingerprints of a function's contracts, as the registry and `lucent generate` record them.
import { createHash } from 'node:crypto';
import { canonicalJson, contractJsonSchema, type AnyFunctionDefinition, type Contract, type RegisteredVersion } from '@lucent/core';

/** sha256 of the contract's canonical JSON Schema, or of its vendor when it offers none. */
export function contractFingerprint(contract: Contract, io: 'input' | 'output'): string {
  const schema = contractJsonSchema(contract, io);
  const basis = schema ? canonicalJson(schema) : `opaque:${contract['~standard'].vendor}`;
  return `sha256:${createHash('sha256').update(basis).digest('hex')}`;
}

/** A compiled-in definition as a registry version: its version and contract fingerprints, no bundle. */
export function registeredVersionOf(fn: AnyFunctionDefinition, registeredAt?: number): RegisteredVersion {
  return {
    version: fn.version,
    fingerprint: { input: contractFingerprint(fn.input, 'input'), output: contractFingerprint(fn.output, 'output') },
    ...(registeredAt === undefined ? {} : { registeredAt }),
  };
}
