// The NATS side of `lucent registry bundles|withdraw`: connect, run the action, render its result.
import type { ChangeAudit } from '@lucent/core';
import { connectNats } from '@lucent/nats';
import { formatBundles, listBundles, withdrawBundle } from './bundleActions.js';

export interface BundleBuckets {
  readonly prefix: string;
  readonly bundleBucket: string;
  readonly registryBucket: string;
}

export async function bundlesAction(
  nats: string,
  buckets: BundleBuckets,
  action: 'bundles' | 'withdraw',
  args: readonly string[],
  audit: ChangeAudit,
  json: boolean,
): Promise<string> {
  const connection = await connectNats({ url: nats, name: 'lucent-cli' });
  try {
    const target = { connection, ...buckets };
    if (action === 'bundles') {
      const rows = await listBundles(target, args[0]);
      return json ? JSON.stringify(rows, null, 2) : formatBundles(rows, args[0]);
    }
    const id = args[0];
    if (id === undefined) throw new TypeError('withdraw needs <bundle-id> (`lucent registry bundles` lists them)');
    const { removedVersions } = await withdrawBundle(target, id, audit);
    if (json) return JSON.stringify({ id, removedVersions });
    return (
      `lucent registry withdraw: bundle ${id} removed from ${buckets.bundleBucket}` +
      (removedVersions.length > 0 ? `; versions ${removedVersions.join(', ')} left the registry` : '') +
      '; shards that loaded it unload it now'
    );
  } finally {
    await connection.drain();
  }
}
