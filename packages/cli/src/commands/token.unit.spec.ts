// `lucent token`: the token it prints passes the service's own verification (admin API and callers alike), and bad flags are refused.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LucentError } from '@lucent/core';
import { verifyAdminToken, verifyBearerToken, callerFromClaims, resolveClaimNames } from '@lucent/nestjs';
import { tokenCommand } from './token.js';

const secret = 'token-spec-secret-that-is-long-enough-32';

/** Run the command as `lucent token …` would, returning its exit code and what it printed. */
async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  try {
    const code = await tokenCommand.run(argv);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  }
}

const codeOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'accepted', (e: unknown) => (e instanceof LucentError ? e.code : String(e)));

afterEach(() => vi.restoreAllMocks());

describe('lucent token', () => {
  it('prints only the token on stdout; an admin token passes the admin API check and names the subject', async () => {
    const r = await run(['--secret', secret, '--sub', 'olga', '--role', 'admin', '--role', 'operator']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(r.stderr).toMatch(/sub olga, roles \[admin, operator\]/);
    expect(await verifyAdminToken(`Bearer ${r.stdout}`, { secret })).toEqual({ subject: 'olga', roles: ['admin', 'operator'] });
    const caller = callerFromClaims(await verifyBearerToken(`Bearer ${r.stdout}`, {}, { key: new TextEncoder().encode(secret), algorithms: ['HS256'] }), resolveClaimNames(undefined));
    expect(caller).toEqual({ userId: 'olga', roles: ['admin', 'operator'] });
  });

  it('without --role the token is a verified caller that the admin API refuses (403)', async () => {
    const r = await run(['--sub', 'vic'], { LUCENT_AUTH_SECRET: secret });
    expect(r.code).toBe(0);
    expect(await codeOf(verifyAdminToken(`Bearer ${r.stdout}`, { secret }))).toBe('FORBIDDEN');
    expect(await codeOf(verifyAdminToken(`Bearer ${r.stdout}`, { secret: 'another-secret-that-is-long-enough-32' }))).toBe('UNAUTHORIZED');
  });

  it('sets iss, aud and the lifetime the service checks', async () => {
    const r = await run(['--secret', secret, '--sub', 'olga', '--role', 'admin', '--ttl', '600', '--issuer', 'https://idp', '--audience', 'lucent']);
    expect(await verifyAdminToken(`Bearer ${r.stdout}`, { secret, issuer: 'https://idp', audience: 'lucent', maxTokenLifetimeSec: 600 })).toMatchObject({ subject: 'olga' });
    expect(await codeOf(verifyAdminToken(`Bearer ${r.stdout}`, { secret, audience: 'other' }))).toBe('UNAUTHORIZED');
    const long = await run(['--secret', secret, '--sub', 'olga', '--role', 'admin', '--ttl', String(2 * 86_400)]);
    expect(long.stderr).toMatch(/longer than a day/);
    expect(await codeOf(verifyAdminToken(`Bearer ${long.stdout}`, { secret }))).toBe('UNAUTHORIZED');
  });

  it('runs as docs/operations.md writes it, with the secret from LUCENT_AUTH_SECRET', async () => {
    const doc = await readFile(new URL('../../../../docs/operations.md', import.meta.url), 'utf8');
    const line = /^lucent token (--sub .*)$/m.exec(doc);
    expect(line, 'the `lucent token` line of docs/operations.md').not.toBeNull();
    const r = await run(line![1]!.split(' '), { LUCENT_AUTH_SECRET: secret });
    expect(r.code).toBe(0);
    expect(await verifyAdminToken(`Bearer ${r.stdout}`, { secret, maxTokenLifetimeSec: 3600 })).toEqual({ subject: 'olga', roles: ['admin'] });
  });

  it('refuses with exit 2 and says why: no --sub, no secret, a short secret, a bad --ttl', async () => {
    const cases: [string[], RegExp][] = [
      [['--secret', secret], /--sub NAME/],
      [['--sub', 'olga'], /--secret S or LUCENT_AUTH_SECRET/],
      [['--sub', 'olga', '--secret', 'short'], /at least 32 characters/],
      [['--sub', 'olga', '--secret', secret, '--ttl', '1.5h'], /--ttl must be a whole number/],
      [['--sub', 'olga', '--secret', secret, '--ttl', '0'], /--ttl must be a whole number/],
    ];
    for (const [argv, why] of cases) {
      const r = await run(argv, { LUCENT_AUTH_SECRET: '' });
      expect([argv.join(' '), r.code, r.stdout]).toEqual([argv.join(' '), 2, '']);
      expect(r.stderr).toMatch(why);
    }
  });
});
