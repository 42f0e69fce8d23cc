import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkerFiles } from '../../../../test/support/bundleForNode.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineFunction, LucentError, type Logger } from '@lucent/core';
import { z } from 'zod';
import { FunctionManager } from '../functionManager/functionManager.js';
import { functionRegistry } from './fixtures/heavyRegistry.js';
import { WorkerPoolExecutor } from './workerPoolExecutor.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

function collectingLogger(lines: string[]): Logger {
  const at = (level: string) => (message: string) => lines.push(`${level}:${message}`);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function failure(p: Promise<unknown>): Promise<LucentError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(LucentError);
    return error as LucentError;
  }
  throw new Error('expected the call to fail');
}

describe('WorkerPoolExecutor (real worker threads)', () => {
  let dir: string;
  let pool: WorkerPoolExecutor;
  const logs: string[] = [];
  let pooled: FunctionManager;
  let inThread: FunctionManager;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lucent-workers-'));
    const { workerFile, registryModule } = await bundleWorkerFiles(dir, here('./fixtures/heavyRegistry.ts'));
    // One thread: a later call can only succeed if a stuck thread was really terminated and replaced.
    pool = new WorkerPoolExecutor({ workerFile, registryModule, minThreads: 1, maxThreads: 1 });
    pooled = new FunctionManager({ heavyExecutor: pool, logger: collectingLogger(logs) }).register(functionRegistry);
    inThread = new FunctionManager().register(functionRegistry);
  });

  afterAll(async () => {
    await pool?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const same = { now: Date.now(), seed: 'seed-1', correlationId: 'corr-1', business: { userId: 'u-7' }, timeoutMs: 60_000 };

  it('gives the same { output, events } as running in this thread, for the same context seed', async () => {
    const viaPool = await pooled.invoke('heavy.sumSquares', { n: 2_000 }, same);
    const local = await inThread.invoke('heavy.sumSquares', { n: 2_000 }, same);
    expect(viaPool).toEqual(local);
    expect(viaPool.output).toMatchObject({ sum: 2_668_667_000, at: same.now, correlationId: 'corr-1', user: 'u-7' });
    expect(viaPool.events.map((e) => e.type)).toEqual(['SquaresSummed', 'Noted']);
    // What the function logged in the worker reaches the caller's logger.
    expect(logs).toContain('info:summed');
  });

  it('runs the exact version asked for, including async handlers', async () => {
    const v2 = await pooled.invoke('heavy.sumSquares', { n: 5 }, { ...same, version: '2.0.0' });
    expect(v2).toEqual(await inThread.invoke('heavy.sumSquares', { n: 5 }, { ...same, version: '2.0.0' }));
    expect((v2.output as { sum: number }).sum).toBe(-5);
  });

  it('terminates an infinite loop at its deadline with DEADLINE_EXCEEDED, and the pool serves the next call', async () => {
    const started = Date.now();
    const error = await failure(pooled.invoke('heavy.spin', {}));
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    // The function's timeout is 300 ms; a generous margin for a loaded machine.
    expect(Date.now() - started).toBeLessThan(5_000);
    const next = await pooled.invoke('heavy.sumSquares', { n: 3 }, same);
    expect((next.output as { sum: number }).sum).toBe(14);
  });

  it('returns FUNCTION_FAILED for a throw, keeps a deliberate LucentError code, and lives on', async () => {
    const boom = await failure(pooled.invoke('heavy.explode', {}));
    expect(boom.code).toBe('FUNCTION_FAILED');
    expect(boom.message).toContain('boom in a worker');
    const refused = await failure(pooled.invoke('heavy.refuse', {}));
    expect(refused.code).toBe('RULE_VIOLATED');
    expect(refused.details).toMatchObject({ rule: 'limits.notional', limit: 1_000_000 });
    expect((await pooled.invoke('heavy.sumSquares', { n: 1 }, same)).output).toMatchObject({ sum: 1 });
  });

  it('reports a worker that dies under a call as FUNCTION_FAILED and replaces it', async () => {
    const died = await failure(pooled.invoke('heavy.crash', {}));
    expect(died.code).toBe('FUNCTION_FAILED');
    expect((await pooled.invoke('heavy.sumSquares', { n: 2 }, same)).output).toMatchObject({ sum: 5 });
  });

  it('answers FUNCTION_NOT_FOUND when the registry module lacks the version the caller runs', async () => {
    const stray = defineFunction(
      { name: 'heavy.stray', version: '1.0.0', heavy: true, input: z.object({}), output: z.object({}) },
      () => ({}),
    );
    const manager = new FunctionManager({ heavyExecutor: pool }).register(stray);
    expect((await failure(manager.invoke('heavy.stray', {}))).code).toBe('FUNCTION_NOT_FOUND');
  });

  it('fails a call whose deadline has already passed without using a thread', async () => {
    const error = await failure(pooled.invoke('heavy.sumSquares', { n: 1 }, { deadline: Date.now() - 1, now: Date.now() - 10 }));
    expect(error.code).toBe('DEADLINE_EXCEEDED');
  });
});
