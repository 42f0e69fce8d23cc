// `npm run demo` as a user runs it: exit 0, the last line the tally with no failed call, no process left behind.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm run demo', () => {
  it('drives the gateway and three shards to the end and prints {"calls","failed":0,"byShard","byVersion"} last', async () => {
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
    for (const step of ['liquidation alert', 'A/B', 'deposit saga', 'France', 'SIGKILL']) expect(stdout).toContain(step);
  }, 300_000);
});
