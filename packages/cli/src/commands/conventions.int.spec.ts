// CLI conventions, run as an operator runs them (the built command, through the committed `lucent` executable too): --help for every command and action, errors that name the fix.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from './index.js';
import { buildCli, lucent, repoRoot, type CliRun } from '../testing/runBuiltCli.js';

const shim = fileURLToPath(new URL('../../bin/lucent.js', import.meta.url));

function run(file: string, args: readonly string[], cwd: string): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(file, [...args], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('lucent command-line conventions', () => {
  let dir: string;
  beforeAll(async () => {
    await buildCli();
    dir = await mkdtemp(path.join(tmpdir(), 'lucent-cli-conventions-'));
  }, 240_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(Object.keys(commands))('`lucent %s --help` prints its usage and exits 0', async (name) => {
    for (const flag of ['--help', '-h']) {
      const r = await lucent([name, flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: lucent ${name} `));
      expect(r.stderr).toBe('');
    }
  });

  /** Every action of every command that has actions: adding one without its usage fails here. */
  const actionsOf: Record<string, readonly string[]> = {
    registry: ['list', 'show', 'register', 'activate', 'rollback', 'weights', 'shadow', 'enable', 'disable', 'jurisdictions', 'route', 'history', 'shadow-report', 'bundles', 'withdraw'],
    chaos: ['set', 'clear', 'show'],
    limits: ['set', 'unset', 'clear', 'show'],
    sagas: ['list', 'show'],
  };

  it('each command names exactly the actions it has', async () => {
    for (const [name, entry] of Object.entries(commands)) expect(Object.keys((await entry.load()).actions ?? {}).sort(), name).toEqual([...(actionsOf[name] ?? [])].sort());
  });

  it.each(Object.entries(actionsOf).flatMap(([name, actions]) => actions.map((action) => [name, action] as const)))(
    '`lucent %s %s --help` prints that action\'s usage and exits 0',
    async (name, action) => {
      const r = await lucent([name, action, '--help']);
      expect(r.code, r.stderr).toBe(0);
      // `shadow` must not get `shadow-report`'s usage: the action's name ends at a space or the line.
      expect(r.stdout).toMatch(new RegExp(`^usage: lucent ${name} ${action}[ \\n]`));
      expect(r.stderr).toBe('');
    },
  );

  it('an action\'s usage has its own options, not every action\'s; a mistake in an action is shown against it', async () => {
    const rollback = await lucent(['registry', 'rollback', '-h']);
    expect(rollback.stdout).toContain('--to VERSION');
    expect(rollback.stdout).not.toContain('--require-tags');
    expect(rollback.stdout).not.toContain('actions:');
    // Refused before anything is opened: no server is touched.
    const both = await lucent(['registry', 'rollback', 'test.work', '--nats', 'nats://127.0.0.1:1', '--admin', 'http://127.0.0.1:1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^lucent registry: give either --nats or --admin, not both\nusage: lucent registry rollback <fn> \[--to VERSION\]/);
  });

  it('`lucent --help` lists every command; bare `lucent` prints the same usage and exits 2', async () => {
    const help = await lucent(['--help']);
    expect(help.code).toBe(0);
    for (const name of Object.keys(commands)) expect(help.stdout).toContain(`  ${name} `);
    expect((await lucent([])).code).toBe(2);
  });

  it('the committed executable runs the built command (what npm links before anything is built)', async () => {
    const r = await run(process.execPath, [shim, 'registry', '--help'], repoRoot);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('usage: lucent registry');
    const npx = await run('npx', ['lucent', 'keygen', '--help'], repoRoot);
    expect(npx.code, npx.stderr).toBe(0);
    expect(npx.stdout).toContain('usage: lucent keygen --out DIR');
  });

  it('`lucent keygen` without --out writes nothing and says how to choose the place', async () => {
    const r = await run(process.execPath, [shim, 'keygen'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('lucent keygen --out ./keys');
    expect(await readdir(dir)).toEqual([]);
    const made = await run(process.execPath, [shim, 'keygen', '--out', 'keys'], dir);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain(path.join(dir, 'keys', 'lucent-signing.key'));
    const again = await run(process.execPath, [shim, 'keygen', '--out', 'keys'], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is never overwritten');
  });

  it('`lucent generate` without a directory, or with one that has no src/domain, is a usage error naming the fix, not ENOENT', async () => {
    const bare = await run(process.execPath, [shim, 'generate'], dir);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('name the service directory, e.g. `lucent generate examples/crypto-trading`');
    expect(bare.stderr).not.toContain('ENOENT');
    const wrong = await run(process.execPath, [shim, 'generate', '.'], dir);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('src/domain does not exist');
  });

  it('an unknown option names the command and shows its usage (exit 2)', async () => {
    const r = await lucent(['registry', 'list', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/lucent registry: .*frobnicate[\s\S]*usage: lucent registry/);
  });

  it('an unreachable NATS server or a missing file is named with what to check, not a bare error code', async () => {
    const nats = await lucent(['registry', 'list', '--nats', 'nats://127.0.0.1:1']);
    expect(nats.code).toBe(1);
    expect(nats.stderr).toContain('lucent registry: cannot reach NATS at nats://127.0.0.1:1: is nats-server (with JetStream, -js) running there?');
    const key = await lucent(['publish', 'x.ts', '--key', 'no-such.key', '--nats', 'nats://127.0.0.1:4222']);
    expect(key.code).toBe(1);
    expect(key.stderr).toContain('lucent publish: no-such.key does not exist; check the path');
  });
});
