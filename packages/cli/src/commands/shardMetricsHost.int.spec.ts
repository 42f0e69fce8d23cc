// `lucent shard --metrics-host`: the health and metrics port binds the address asked for (a container binds 0.0.0.0 so kubelet probes reach it), loopback 127.0.0.1 by default.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/support/freePort.js';
import { repoRoot } from '../testing/runBuiltCli.js';
import { startBuiltShard, type BuiltShard } from '../testing/builtShard.js';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const functionsModule = path.join(repoRoot, 'examples/crypto-trading/dist/shard.js');
// Another loopback address (Linux routes all of 127.0.0.0/8 to lo): shows the bind follows the flag without leaving the machine.
const host = '127.0.0.2';

describe('a shard process with --metrics-host', () => {
  let shard: BuiltShard;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    shard = await startBuiltShard(
      { id: `host${tag}`, nats: url, subjectPrefix: `lucent-test-mhost-${tag}`, module: functionsModule, only: ['yield.aprToApy'] },
      ['--metrics-port', String(port), '--metrics-host', host],
    );
  }, 120_000);

  afterAll(() => shard?.dispose());

  it('answers /health/ready and /metrics on that address only, and says so in its start line', async () => {
    expect(shard.lines().find((l) => l['msg'] === 'shard serving')).toMatchObject({ metrics: `http://${host}:${port}/metrics` });
    expect((await fetch(`http://${host}:${port}/health/ready`)).status).toBe(200);
    expect((await fetch(`http://${host}:${port}/health/live`)).status).toBe(200);
    expect((await fetch(`http://${host}:${port}/metrics`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  }, 60_000);
});
