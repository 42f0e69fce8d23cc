// A Redis that stops answering does not hold guarded requests: a rate-limit check waits at most its command timeout, then counts in memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/support/freePort.js';
import { openRedisRateLimits } from './redisRateLimits.js';

describe('Redis rate limits when Redis stops answering', () => {
  let redisServer: ChildProcess | undefined;
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    // A private server: pausing the machine's shared Redis would stall every other test using it.
    redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50 });
    probe.on('error', () => undefined);
    for (let i = 0; i < 100; i++) {
      if (await probe.connect().then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await probe.quit();
  });

  afterAll(() => {
    if (redisServer?.pid !== undefined) process.kill(redisServer.pid, 'SIGKILL');
  });

  it('answers within its command timeout while Redis is paused, counting the call in memory, and in Redis again after', async () => {
    const { limits, close } = openRedisRateLimits({
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: 'lucent:rl:timeout-test',
      limits: { perUser: { openPosition: { points: 100, perSeconds: 60 } } },
      commandTimeoutMs: 100,
    });
    const admin = new Redis({ port, host: '127.0.0.1' });
    try {
      await limits.consume('openPosition', 'alice');
      // Every client stops being answered for 1.5 s (the admin's own command is answered first).
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const started = Date.now();
      await limits.consume('openPosition', 'alice');
      const waited = Date.now() - started;
      // Without the timeout the check waited out the whole pause.
      expect(waited).toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 1_600));
      await limits.consume('openPosition', 'alice');
      const keys = await admin.keys('lucent:rl:timeout-test*');
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      await admin.quit();
      await close();
    }
  });
});
