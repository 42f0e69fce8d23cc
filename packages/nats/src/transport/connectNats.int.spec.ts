// connectNats against the machine's NATS server: a URL list is tried in the order given, and a list with no server up is refused at once.
import { describe, expect, it } from 'vitest';
import { connectNats } from './connectNats.js';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';
/** A port nothing listens on: the first choice of the list is down. */
const down = 'nats://127.0.0.1:1';

describe('connectNats', () => {
  it('falls back to the next server of a comma-separated list when the first is down', async () => {
    const nc = await connectNats({ url: `${down}, ${url}`, name: 'connect-spec', env: {} });
    try {
      expect(nc.getServer()).toBe(new URL(url).host);
      // A round trip proves the connection works, not only that it was opened.
      await nc.flush();
      expect(nc.info?.client_id).toEqual(expect.any(Number));
    } finally {
      await nc.close();
    }
  });

  it('refuses at once when no server of the list answers, instead of waiting forever', async () => {
    const started = Date.now();
    await expect(connectNats({ url: down, env: {} })).rejects.toThrow();
    // Generous: a refused port answers in milliseconds; the bound only rules out a reconnect loop.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
