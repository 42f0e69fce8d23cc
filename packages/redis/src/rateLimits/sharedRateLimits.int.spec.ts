// A per-user limit counted in one Redis holds across two processes: each process alone would admit the whole budget.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

/**
 * One process: spends calls of `openPosition` for user alice as fast as Redis answers, from
 * `startAt` until `startAt + runMs` (and at most 200,000 tries), then prints what was admitted.
 */
const child = `
import { Redis } from 'ioredis';
import { RateLimits } from '@lucent/runtime';
const [prefix, points, startAt, runMs] = process.argv.slice(1);
const redis = new Redis({ host: '127.0.0.1', port: 6379 });
const limits = new RateLimits({ redis, keyPrefix: prefix, limits: { perUser: { openPosition: { points: Number(points), perSeconds: 1 } } } });
let admitted = 0, refused = 0, maxRetryAfterMs = 0, codes = new Set(), firstAdmittedAt;
await redis.ping();
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
const end = Number(startAt) + Number(runMs);
for (let i = 0; i < 200_000 && Date.now() < end; i++) {
  try { await limits.consume('openPosition', 'alice'); admitted++; firstAdmittedAt ??= Date.now(); }
  catch (error) { refused++; codes.add(error.code); maxRetryAfterMs = Math.max(maxRetryAfterMs, error.details.retryAfterMs); }
}
console.log(JSON.stringify({ admitted, refused, maxRetryAfterMs, codes: [...codes], firstAdmittedAt, end }));
await redis.quit();
`;

describe('RateLimits on a shared Redis', () => {
  const prefix = `lucent:rl:test:${randomUUID()}`;
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('a limit of 50/s per user holds within ±10% across two processes', async () => {
    const points = 50;
    // Both start together (after their imports and a ping); 2.9 s covers three 1 s windows when the first call is on time.
    const startAt = Date.now() + 3_000;
    const runMs = 2_900;
    const args = ['--input-type=module', '-e', child, prefix, String(points), String(startAt), String(runMs)];
    const outs = await Promise.all([0, 1].map(() => run(process.execPath, args, { cwd: import.meta.dirname, timeout: 20_000 })));
    const results = outs.map((o) => JSON.parse(o.stdout.trim()) as { admitted: number; refused: number; maxRetryAfterMs: number; codes: string[]; firstAdmittedAt: number; end: number });
    const admitted = results[0]!.admitted + results[1]!.admitted;
    // The first admitted call opens the first 1 s window; a loaded machine may start a child late, so count the windows run.
    const first = Math.min(results[0]!.firstAdmittedAt, results[1]!.firstAdmittedAt);
    const windows = Math.ceil((results[0]!.end - first) / 1_000);
    expect(windows).toBeGreaterThanOrEqual(2);
    const perSecond = admitted / windows;
    // Each process got a share: the budget really was contended.
    for (const r of results) {
      expect(r.refused).toBeGreaterThan(0);
      expect(r.codes).toEqual(['RATE_LIMITED']);
      expect(r.maxRetryAfterMs).toBeLessThanOrEqual(1_000);
    }
    expect(perSecond).toBeGreaterThanOrEqual(points * 0.9);
    expect(perSecond).toBeLessThanOrEqual(points * 1.1);
  }, 30_000);
});
