// `npm run demo` as a user runs it on this machine's NATS, PostgreSQL and Redis: exit 0, every step held, the last line the tally with nothing failed.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm run demo', () => {
  it('drives the gateway and three shard processes on NATS, PostgreSQL and Redis to the end, every step held, and prints {"calls","failed":0,"byShard","byVersion"} last', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('npm', ['run', '--silent', 'demo'], { cwd: root, timeout: 280_000, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: out, stderr: err }),
      );
    });
    const lines = stdout.trim().split('\n');
    const tally = JSON.parse(lines.at(-1) ?? '{}') as { calls: number; failed: number; byShard: Record<string, number>; byVersion: Record<string, number> };
    expect({ code, failed: tally.failed }, `${stdout.slice(-3_000)}${stderr.slice(-2_000)}`).toEqual({ code: 0, failed: 0 });
    expect(tally.calls).toBeGreaterThan(2_000);
    // Three versions of the arbitrage strategy answered, on more than one shard.
    expect(Object.keys(tally.byVersion)).toEqual(expect.arrayContaining(['1.1.0', '2.0.0', '3.0.0']));
    expect(Object.keys(tally.byShard).length).toBeGreaterThanOrEqual(2);
    // The whale order (and arbitrage under load) answered by the whale shard; the Aave call by the aave shard.
    expect(tally.byShard['whale-1']).toBeGreaterThan(0);
    expect(tally.byShard['aave-1']).toBeGreaterThan(0);
    // The servers this machine runs, not the embedded fallback: the gateway's line names what it opened.
    const banner = lines.find((line) => line.startsWith('  gateway '));
    expect(banner).toMatch(
      /^ {2}gateway http:\/\/127\.0\.0\.1:\d+ \(gateway\); transport NATS nats:\/\/127\.0\.0\.1:4222 \(subjects demo-[0-9a-f]{8}\.\*\); registry NATS KV bucket demo-[0-9a-f]{8}-registry; stores PostgreSQL schema demo_[0-9a-f]{8}, Redis prefix lucent-demo:[0-9a-f]{8}:$/,
    );
    expect(stdout).toMatch(/starting shards whale-1 \[whale,arbitrage\], aave-1 \[aave\], general-1 \[general,aave,arbitrage\] \(lucent shard, prefix demo-[0-9a-f]{8}\)/);
    // Each step's outcome as printed (a step whose outcome did not hold prints ✗ and counts in `failed`).
    for (const step of ['on shard aave-1', 'LiquidationAlertRaised', 'A/B', 'order of $3,000,000 → 200 on shard whale-1', 'saga completed', 'FR → 403 JURISDICTION_DENIED', 'SIGKILL → general-1']) expect(stdout).toContain(step);
    expect(stdout).not.toContain('✗');
  }, 300_000);
});
