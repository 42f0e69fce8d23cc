// The start banner of `npm start` (dist/main.js as its own process) names the event store, projections, transport and registry in use: embedded by default, the servers as a gateway.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './demo/cluster.js';
import { startGatewayCluster, type GatewayCluster } from './gatewayCluster.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** The banner's lines from its first (`Lucent crypto trading service on …`) to its console line. */
function bannerLines(output: string): string[] {
  const lines = output.split('\n');
  const first = lines.findIndex((line) => line.startsWith('Lucent crypto trading service on '));
  const console = lines.findIndex((line) => line.startsWith('  console '));
  return first === -1 || console === -1 ? lines.slice(-20) : lines.slice(first, console + 1);
}

let cluster: GatewayCluster | undefined;
let embedded: ChildProcess | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  if (embedded?.exitCode === null && embedded.signalCode === null) embedded.kill('SIGKILL');
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  await cluster?.close();
}, 60_000);

describe('the start banner', () => {
  it('without servers named: PGlite in the data directory, projections in memory, no transport, registry in memory, admin API off', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lucent-banner-'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LUCENT_DATA_DIR: dataDir, LUCENT_PRICE_CRON: 'off' };
    // The embedded default, whatever the test run's environment says.
    for (const name of ['LUCENT_PG_URL', 'LUCENT_REDIS_URL', 'LUCENT_NATS_URL', 'LUCENT_IN_PROCESS_SHARDS', 'LUCENT_AUTH_SECRET', 'LUCENT_AUTH_PUBLIC_KEY']) delete env[name];
    const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    embedded = child;
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    while (!output.includes(`curl ${base}/functions`)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the service did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(bannerLines(output)).toEqual([
      expect.stringMatching(new RegExp(`^Lucent crypto trading service on ${base} \\(\\d+ functions, embedded\\)$`)),
      `  event store   embedded PGlite in ${dataDir}`,
      '  projections   in memory (rebuilt from the event store at start)',
      '  transport     none (every function runs in this process)',
      '  registry      in memory (admin API off: set LUCENT_AUTH_SECRET)',
      `  console       ${base}/console (read-only; with LUCENT_AUTH_SECRET, sign in with a token)`,
    ]);
  }, 90_000);

  it('as a gateway (LUCENT_NATS_URL, LUCENT_PG_URL, LUCENT_REDIS_URL, auth on): PostgreSQL, Redis, NATS and the NATS KV registry with the admin API', async () => {
    cluster = await startGatewayCluster({ 'general-1': ['general'] });
    const { baseUrl, banner } = await cluster.spawnGateway();
    const tag = cluster.prefix.replace('gw-test-', '');
    expect(bannerLines(banner)).toEqual([
      expect.stringMatching(new RegExp(`^Lucent crypto trading service on ${baseUrl} \\(\\d+ functions, gateway\\)$`)),
      `  event store   PostgreSQL (schema gw_${tag})`,
      `  projections   Redis (keys lucent-gw-test:${tag}:*)`,
      `  transport     NATS nats://127.0.0.1:4222 (subjects ${cluster.prefix}.*)`,
      `  registry      NATS KV bucket ${cluster.prefix}-registry (admin API /admin/registry, role admin)`,
      `  console       ${baseUrl}/console (sign in with a token; the admin role edits)`,
    ]);
  }, 180_000);
});
