// The data directory lock: one holder at a time, named when refused; stale locks (dead holder, reused PID, a crashed take-over) recovered, by exactly one contender.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LucentError } from '@lucent/core';
import { bundleChildProcess } from '../../../../test/support/bundleForNode.js';
import { DataDirectoryLockedError, lockDataDirectory, openPgliteDirectory, type LockHolder } from './dataDirectoryLock.js';

const root = mkdtempSync(join(tmpdir(), 'lucent-lock-'));
let counter = 0;
const freshDir = (): string => join(root, `d${++counter}`);
const linux = existsSync('/proc/self/stat');

let fixture: { file: string; remove: () => void };
const children: ChildProcess[] = [];

beforeAll(async () => {
  fixture = await bundleChildProcess(new URL('./fixtures/lockHolder.ts', import.meta.url).pathname);
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fixture?.remove();
  rmSync(root, { recursive: true, force: true });
});

interface Holder {
  readonly child: ChildProcess;
  /** `held <pid>` or `refused <message>`. */
  readonly outcome: Promise<string>;
  readonly exited: Promise<void>;
}

/** A child process that takes the lock of `dir` (at `startAt`) and keeps it until its stdin closes. */
function holder(dir: string, startAt?: number): Holder {
  const child = spawn(process.execPath, [fixture.file], {
    env: { ...process.env, LOCK_DIR: dir, ...(startAt === undefined ? {} : { START_AT: String(startAt) }) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const outcome = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code} before answering: ${err}`)));
  });
  return { child, outcome, exited };
}

/** The PID of a process that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid as number;

const holderIn = (dir: string): LockHolder => JSON.parse(readFileSync(`${dir}.lock`, 'utf8')) as LockHolder;

function staleRecord(overrides: Partial<LockHolder>): string {
  const record: LockHolder = { pid: overrides.pid ?? deadPid(), hostname: hostname(), since: new Date().toISOString(), token: 'stale0000000000', ...overrides };
  return JSON.stringify(record);
}

describe('lockDataDirectory', () => {
  it('takes a free directory, names this process in <dir>.lock, and releases it (once) so it can be taken again', () => {
    const dir = freshDir();
    const lock = lockDataDirectory(dir);
    expect(lock.file).toBe(`${dir}.lock`);
    expect(holderIn(dir)).toMatchObject({ pid: process.pid, hostname: hostname(), token: lock.holder.token });
    if (linux) expect(holderIn(dir).pidStart).toMatch(/^\d+$/);
    lock.release();
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
    const again = lockDataDirectory(dir);
    again.release();
  });

  it('refuses a second holder, in this process or another, with DATA_DIRECTORY_LOCKED naming the directory and the PID', async () => {
    const dir = freshDir();
    const lock = lockDataDirectory(dir);
    try {
      const same = (() => {
        try {
          lockDataDirectory(dir);
        } catch (error) {
          return error;
        }
      })();
      expect(same).toBeInstanceOf(DataDirectoryLockedError);
      expect(same).toBeInstanceOf(LucentError);
      expect(same).toMatchObject({ code: 'DATA_DIRECTORY_LOCKED', details: { directory: dir, pid: process.pid } });
      expect((same as Error).message).toContain(`process ${process.pid}`);

      const other = holder(dir);
      expect(await other.outcome).toContain(`refused Data directory ${dir} is in use by process ${process.pid} on ${hostname()} (since ${lock.holder.since}); one process per data directory: stop that process first`);
      other.child.stdin?.end();
      await other.exited;
      expect(holderIn(dir).token).toBe(lock.holder.token);
    } finally {
      lock.release();
    }
  });

  it('does not release a lock that names another holding', () => {
    const dir = freshDir();
    const lock = lockDataDirectory(dir);
    writeFileSync(`${dir}.lock`, staleRecord({ pid: process.pid, token: 'someoneelse0000' }));
    lock.release();
    expect(holderIn(dir).token).toBe('someoneelse0000');
  });

  it('recovers the lock of a SIGKILLed holder', async () => {
    const dir = freshDir();
    const first = holder(dir);
    expect(await first.outcome).toBe(`held ${first.child.pid}`);
    expect(() => lockDataDirectory(dir)).toThrow(`process ${first.child.pid} `);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(holderIn(dir).pid).toBe(first.child.pid); // left behind
    const lock = lockDataDirectory(dir);
    expect(holderIn(dir)).toMatchObject({ pid: process.pid, token: lock.holder.token });
    lock.release();
  });

  it.skipIf(!linux)('recovers a lock naming a live PID with another start time (the PID was reused) or from an earlier boot', () => {
    const reused = freshDir();
    writeFileSync(`${reused}.lock`, staleRecord({ pid: process.pid, pidStart: '1' }));
    lockDataDirectory(reused).release();
    const rebooted = freshDir();
    writeFileSync(`${rebooted}.lock`, staleRecord({ pid: process.pid, bootId: 'an-earlier-boot' }));
    lockDataDirectory(rebooted).release();
  });

  it('recovers an unreadable lock; refuses one from another host, saying how to clear it', () => {
    const empty = freshDir();
    writeFileSync(`${empty}.lock`, '');
    lockDataDirectory(empty).release();
    const remote = freshDir();
    writeFileSync(`${remote}.lock`, staleRecord({ pid: 4242, hostname: 'elsewhere.example' }));
    expect(() => lockDataDirectory(remote)).toThrow(`in use by process 4242 on elsewhere.example`);
    expect(() => lockDataDirectory(remote)).toThrow(`delete ${remote}.lock if it no longer runs`);
  });

  it('recovers a stale lock whose take-over was cut short (its guard left by a dead contender)', () => {
    const dir = freshDir();
    const stale = staleRecord({});
    writeFileSync(`${dir}.lock`, stale);
    const guard = `${dir}.lock.${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`;
    writeFileSync(guard, staleRecord({ token: 'deadcontender00' }));
    const lock = lockDataDirectory(dir);
    expect(holderIn(dir).token).toBe(lock.holder.token);
    expect(existsSync(guard)).toBe(false); // taken over from the dead contender, then released
    lock.release();
  });

  it('lets exactly one of several processes starting at once take over a stale lock; the others name it', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = freshDir();
      writeFileSync(`${dir}.lock`, staleRecord({}));
      const startAt = Date.now() + 1_500;
      const contenders = Array.from({ length: 6 }, () => holder(dir, startAt));
      const outcomes = await Promise.all(contenders.map((c) => c.outcome));
      const winners = contenders.filter((_, i) => outcomes[i]!.startsWith('held '));
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.child.pid;
      expect(holderIn(dir).pid).toBe(winner);
      for (const o of outcomes) if (o.startsWith('refused ')) expect(o).toContain(`in use by process ${winner} `);
      for (const c of contenders) c.child.stdin?.end();
      await Promise.all(contenders.map((c) => c.exited));
      expect(existsSync(`${dir}.lock`)).toBe(false);
    }
  }, 60_000);
});

describe('openPgliteDirectory', () => {
  it('opens PGlite in a new directory under its lock, refuses a second opener, and keeps the data for the next one', async () => {
    const dir = freshDir();
    const first = await openPgliteDirectory(dir);
    await first.db.exec('CREATE TABLE t (n int); INSERT INTO t VALUES (1)');
    await expect(openPgliteDirectory(dir)).rejects.toMatchObject({ code: 'DATA_DIRECTORY_LOCKED', details: { pid: process.pid } });
    await first.close();
    await first.close();
    expect(existsSync(`${dir}.lock`)).toBe(false);
    const second = await openPgliteDirectory(dir);
    try {
      expect((await second.db.query<{ n: number }>('SELECT n FROM t')).rows).toEqual([{ n: 1 }]);
    } finally {
      await second.close();
    }
  }, 60_000);
});
