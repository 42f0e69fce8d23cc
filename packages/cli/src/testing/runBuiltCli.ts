// Test helper: build the CLI once and run `node dist/bin.js …` as a separate process, as an operator would.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], timeoutMs: number): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(file, [...args], { cwd: repoRoot, timeout: timeoutMs, env: { ...process.env, LUCENT_ADMIN_TOKEN: '', LUCENT_NATS_URL: '' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `npx tsc -b packages/cli`: the tests spawn the built command, not the sources. */
export async function buildCli(): Promise<void> {
  const r = await run('npx', ['tsc', '-b', 'packages/cli'], 180_000);
  if (r.code !== 0) throw new Error(`building the CLI failed:\n${r.stdout}${r.stderr}`);
}

export function lucent(args: readonly string[], timeoutMs = 60_000): Promise<CliRun> {
  return run(process.execPath, [bin, ...args], timeoutMs);
}
