// The JetStream KV registry store passes the shared registry store contract against the machine's NATS.
import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { registryStoreContract } from '../../../runtime/src/registry/registryStoreContract.js';
import { KvRegistryStore } from './kvRegistryStore.js';

const connections: NatsConnection[] = [];
const buckets: string[] = [];

afterAll(async () => {
  for (const nc of connections) {
    const jsm = await nc.jetstreamManager();
    for (const b of buckets) await jsm.streams.delete(`KV_${b}`).catch(() => undefined);
    await nc.close();
  }
});

registryStoreContract('nats-kv', async () => {
  const nc = await connect({ servers: '127.0.0.1:4222' });
  connections.push(nc);
  const bucket = `lucent-registry-test-${randomUUID().slice(0, 8)}`;
  buckets.push(bucket);
  return KvRegistryStore.open({ connection: nc, bucket });
});
