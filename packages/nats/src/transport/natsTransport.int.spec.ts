// The NATS transport passes the shared transport contract against the machine's NATS server, caller and shard on separate connections.
import { randomBytes } from 'node:crypto';
import { transportContract } from '../../../runtime/src/transport/transportContract.js';
import { connectNats } from './connectNats.js';
import { NatsTransport } from './natsTransport.js';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';

transportContract('NATS', async () => {
  const subjectPrefix = `lucent-test-${randomBytes(4).toString('hex')}`;
  const caller = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix, ownsConnection: true });
  const server = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix, ownsConnection: true });
  return {
    caller,
    server,
    close: async () => {
      await caller.close();
      await server.close();
    },
  };
});
