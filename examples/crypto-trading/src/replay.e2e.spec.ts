// `lucent replay` on the reference service: positions decided through the real manager, then replayed from its data directory.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunctionManager } from '@lucent/runtime';
import { openInfrastructure } from './managers/infrastructure.js';
import { createPortfolioManager } from './managers/portfolioManager.js';
import { functionRegistry } from './registry/functionRegistry.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(repoRoot, 'packages/cli/dist/bin.js');
const module = path.join(repoRoot, 'examples/crypto-trading/src/replay.ts');

function lucent(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repoRoot, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('lucent replay on the crypto service', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'lucent-replay-example-'));
    const infrastructure = await openInfrastructure({ dataDir });
    try {
      const manager = await createPortfolioManager({ functions: new FunctionManager().register(functionRegistry), infrastructure });
      await manager.execute({ type: 'OpenPosition', positionId: 'r1', owner: 'alice', pair: 'ETH-USD' });
      await manager.execute({ type: 'DepositCollateral', positionId: 'r1', amount: 2, priceUsd: 3000 });
      await manager.execute({ type: 'Borrow', positionId: 'r1', amountUsd: 1500 });
    } finally {
      await infrastructure.close();
    }
  }, 60_000);

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('replays every recorded position decision from the data directory and finds them the same', async () => {
    const r = await lucent(['replay', 'position-r1', '--module', module, '--data-dir', dataDir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { stream: string; same: number; diverged: number; notRecorded: number };
    expect(report).toMatchObject({ stream: 'position-r1', same: 3, diverged: 0, notRecorded: 0 });
  }, 60_000);

  it('exits 1 and names the reason when asked to replay with a version the module does not hold', async () => {
    const r = await lucent(['replay', 'position-r1', '--module', module, '--data-dir', dataDir, '--version', '9.9.9', '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { diverged: number; batches: { status: string; error?: { code: string } }[] };
    expect(report.diverged).toBe(3);
    expect(report.batches.every((b) => b.status === 'diverged' && b.error?.code === 'FUNCTION_NOT_FOUND')).toBe(true);
  }, 60_000);
});
