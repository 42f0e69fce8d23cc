// The JetStream buckets of one cluster, named from its subject prefix, so two clusters on one NATS never share rules or bundles.

const token = (prefix: string, separator: string): string => prefix.replace(/\./g, separator);

/** KV bucket of the registry: `lucent-registry` for the default prefix `lucent`. */
export function registryBucketFor(prefix: string): string {
  return `${token(prefix, '-')}-registry`;
}

/** Object store bucket of published bundles: `lucent_bundles` for the default prefix `lucent`. */
export function bundleBucketFor(prefix: string): string {
  return `${token(prefix, '_')}_bundles`;
}
