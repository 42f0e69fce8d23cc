import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { describe, expect, it } from 'vitest';
import { RateLimits } from '@lucent/runtime';
import { KvRateLimits } from './kvRateLimits.js';

const refusedCode = (p: Promise<unknown>) => p.then(() => 'admitted', (e: { code: string }) => e.code);

describe('KvRateLimits', () => {
  it('a put reaches a following node: the new limit applies to its next call', async () => {
    const nc = await connect({ servers: '127.0.0.1:4222' });
    const bucket = `lucent-limits-test-${randomUUID().slice(0, 8)}`;
    try {
      const writer = await KvRateLimits.open({ connection: nc, bucket });
      const node = await KvRateLimits.open({ connection: nc, bucket });
      const limits = new RateLimits({ limits: { perUser: { quote: { points: 100, perSeconds: 60 } } } });
      await node.follow(limits);
      expect(limits.current).toEqual({ perUser: { quote: { points: 100, perSeconds: 60 } } });

      await writer.put({ perUser: { quote: { points: 1, perSeconds: 60 } } });
      for (let i = 0; i < 200 && limits.current.perUser?.['quote']?.points !== 1; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await refusedCode(limits.consume('quote', 'alice'))).toBe('admitted');
      expect(await refusedCode(limits.consume('quote', 'alice'))).toBe('RATE_LIMITED');
      expect(await writer.get()).toEqual({ perUser: { quote: { points: 1, perSeconds: 60 } } });
      await expect(writer.put({ perUser: { quote: { points: -1, perSeconds: 60 } } })).rejects.toThrow(/points/);
      node.close();
    } finally {
      await nc.jetstream().views.kv(bucket).then((kv) => kv.destroy());
      await nc.close();
    }
  });
});
