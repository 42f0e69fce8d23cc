// The JetStream Object Store bundle store passes the shared bundle store contract against the machine's NATS.
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { afterAll } from 'vitest';
import { bundleStoreContract } from '../../../runtime/src/deploy/bundleStoreContract.js';
import { NatsBundleStore } from './natsBundleStore.js';

const connections: NatsConnection[] = [];
const buckets: string[] = [];

bundleStoreContract('nats object store', async () => {
  const connection = await connect({ servers: 'nats://127.0.0.1:4222' });
  connections.push(connection);
  const bucket = `lucent_bundles_contract_${randomUUID().slice(0, 8)}`;
  buckets.push(bucket);
  return NatsBundleStore.open({ connection, bucket });
});

afterAll(async () => {
  for (const nc of connections) {
    const jsm = await nc.jetstreamManager();
    for (const bucket of buckets) await jsm.streams.delete(`OBJ_${bucket}`).catch(() => undefined);
    await nc.drain();
  }
});
