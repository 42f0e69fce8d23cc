// One process per embedded data directory: a lock file beside the PGlite directory that names its holder, and PGlite opened under it.
//
// PGlite is one process's database: a second process on the same directory acknowledges writes that
// the first one's pages overwrite (lost writes, duplicate keys). So the directory `D` gets the lock
// file `D.lock` (beside it: PostgreSQL's initdb refuses a directory that is not empty), holding the
// holder's PID, on Linux its start time and boot id (a reused PID is not mistaken for the holder),
// its host name and when it took the lock.
//
// Taking the lock: write our holder record to a private file (`open(…, 'wx')`), flush it, and `link`
// it to `D.lock`. `link` fails with EEXIST when the name exists, so the lock appears atomically and
// complete: no reader ever finds it empty (with a write after `open('wx')` on D.lock itself, one could,
// and would take that lock for a crashed one).
//
// Taking over a stale lock (its holder no longer runs) needs "replace D.lock if it still holds what I
// read", which POSIX has no call for: unlink-then-link lets a slow contender delete the lock a faster
// one just took. So the right to replace one stale record is itself a lock, taken the same way, on a
// name derived from that record: `D.lock.<hash of the record>`. Its holder re-reads D.lock and, if it
// still holds that record, `rename`s its own record over it (D.lock never goes missing).
// Race-free: records are unique (a random token), and while D.lock holds a stale record only the
// holder of that record's guard may change it (the record's own holder is dead and cannot release it,
// a fresh `link` fails while the name exists, and the guard, being a lock, has one holder). So D.lock
// cannot change between that holder's re-read and its rename, and a contender that gets the guard
// later re-reads another record and starts over: two processes never both replace it. A guard whose
// holder died is stale and taken over by the same rule (`D.lock.<hash>.<hash>`); a guard held by a live
// contender is waited for, then the lock it took is what we find.
//
// The liveness check is on this host only: a holder on another host counts as running (the operator
// deletes its lock). Processes that share a host name must share a PID namespace.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { LucentError } from '@lucent/core';

/** Who holds a lock: enough to tell whether that process still runs, and to name it to an operator. */
export interface LockHolder {
  readonly pid: number;
  /** Linux: the process's start time, field 22 of /proc/<pid>/stat (clock ticks after boot). */
  readonly pidStart?: string;
  /** Linux: /proc/sys/kernel/random/boot_id; no process of an earlier boot still runs. */
  readonly bootId?: string;
  readonly hostname: string;
  /** When the lock was taken (ISO 8601). */
  readonly since: string;
  /** Random: tells this holding apart from every other one, even by the same process. */
  readonly token: string;
}

/** Another process holds the data directory (`DATA_DIRECTORY_LOCKED`): stop it first. */
export class DataDirectoryLockedError extends LucentError {
  readonly holder: LockHolder;

  constructor(directory: string, lockFile: string, holder: LockHolder) {
    // Without a start time (not Linux) a reused PID looks alive; on another host nothing can be checked.
    const unsure = holder.hostname !== hostname() || holder.pidStart === undefined;
    super(
      'DATA_DIRECTORY_LOCKED',
      `Data directory ${directory} is in use by process ${holder.pid} on ${holder.hostname} (since ${holder.since}); ` +
        `one process per data directory: stop that process first` +
        (unsure ? `, or delete ${lockFile} if it no longer runs` : ''),
      { directory, lockFile, pid: holder.pid, hostname: holder.hostname, since: holder.since },
    );
    this.holder = holder;
  }
}

export interface DataDirectoryLock {
  readonly directory: string;
  /** The lock file, `<directory>.lock`. */
  readonly file: string;
  readonly holder: LockHolder;
  /** Delete the lock file if it still names this holding; once, whatever the number of calls. */
  release(): void;
}

/** Lock `directory` (created if missing) for this process, or throw DataDirectoryLockedError naming the holder. */
export function lockDataDirectory(directory: string): DataDirectoryLock {
  const named = resolve(directory);
  mkdirSync(named, { recursive: true });
  // The real path: every name of the directory (symlinks, relative paths) leads to one lock file.
  const file = `${realpathSync(named)}.lock`;
  const outcome = claim(file, 0);
  if ('blocked' in outcome) throw new DataDirectoryLockedError(named, file, outcome.blocked);
  const holder = outcome.held;
  // Best effort: 'exit' runs on process.exit and a normal end; a SIGKILLed holder leaves a stale lock.
  const onExit = (): void => {
    try {
      releaseIfOurs(file, holder);
    } catch {
      // exiting anyway: the next process finds the lock stale
    }
  };
  process.once('exit', onExit);
  let released = false;
  return {
    directory: named,
    file,
    holder,
    release: () => {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      releaseIfOurs(file, holder);
    },
  };
}

export interface PgliteDirectory {
  readonly db: PGlite;
  readonly lock: DataDirectoryLock;
  /** Close the database, then release the lock; once, whatever the number of calls. */
  close(): Promise<void>;
}

/** Open PGlite on the filesystem directory `directory` while holding its lock (see lockDataDirectory). */
export async function openPgliteDirectory(directory: string, options: Omit<PGliteOptions, 'dataDir'> = {}): Promise<PgliteDirectory> {
  const lock = lockDataDirectory(directory);
  let db: PGlite;
  try {
    db = await PGlite.create(lock.directory, options);
  } catch (error) {
    lock.release();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return { db, lock, close: () => (closing ??= db.close().finally(() => lock.release())) };
}

/** How long a contender waits for another one that is taking over the same stale lock. */
const takeOverWaitMs = 5_000;

/** Make `file` name this process; or the live holder that has it (or is taking it over). */
function claim(file: string, depth: number): { held: LockHolder } | { blocked: LockHolder } {
  if (depth > 8) throw new Error(`Lock ${file}: too many nested take-overs`);
  const giveUpAt = Date.now() + takeOverWaitMs;
  for (;;) {
    const me = holderRecord();
    const candidate = `${file}.${me.token}.tmp`;
    writeFlushed(candidate, JSON.stringify(me));
    try {
      try {
        linkSync(candidate, file);
        return { held: me };
      } catch (error) {
        if (errno(error) !== 'EEXIST') throw error;
      }
      const found = readText(file);
      if (found === undefined) continue; // released meanwhile
      const holder = parseHolder(found);
      // An unreadable record is stale: every record is complete when its name appears.
      if (holder !== undefined && mayBeRunning(holder)) return { blocked: holder };
      const guard = `${file}.${createHash('sha256').update(found).digest('hex').slice(0, 16)}`;
      const right = claim(guard, depth + 1);
      if ('blocked' in right) {
        if (Date.now() > giveUpAt) return right;
        sleep(20); // another contender is replacing this stale record: then its lock is what we find
        continue;
      }
      try {
        if (readText(file) === found) {
          renameSync(candidate, file);
          return { held: me };
        }
      } finally {
        releaseIfOurs(guard, right.held);
      }
    } finally {
      unlinkQuietly(candidate); // gone already when it was renamed
    }
  }
}

/**
 * Delete `file` if it still names `holder`. Nothing changes it between the read and the unlink: a
 * record naming a live process is replaced by no one else.
 */
function releaseIfOurs(file: string, holder: LockHolder): void {
  const text = readText(file);
  if (text !== undefined && parseHolder(text)?.token === holder.token) unlinkQuietly(file);
}

/** Whether the process a record names may still run; another host's cannot be checked, so it may. */
function mayBeRunning(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return true;
  const boot = bootId();
  if (holder.bootId !== undefined && boot !== undefined && holder.bootId !== boot) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if (errno(error) === 'ESRCH') return false; // EPERM: it runs, as another user
  }
  return holder.pidStart === undefined || startTimeOf(holder.pid) === holder.pidStart;
}

function holderRecord(): LockHolder {
  const pidStart = startTimeOf(process.pid);
  const boot = bootId();
  return {
    pid: process.pid,
    ...(pidStart !== undefined && { pidStart }),
    ...(boot !== undefined && { bootId: boot }),
    hostname: hostname(),
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder> | null;
    const valid = Number.isInteger(v?.pid) && (v?.pid ?? 0) > 0 && typeof v?.hostname === 'string' && typeof v.token === 'string';
    return valid ? (v as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** Linux: field 22 of /proc/<pid>/stat; undefined without /proc or without that process. */
function startTimeOf(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  // Field 2, the command name, is in parentheses and may hold spaces: count from its closing one (field 3 on).
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

const bootId = (): string | undefined => readProc('/proc/sys/kernel/random/boot_id')?.trim();

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function writeFlushed(file: string, text: string): void {
  const fd = openSync(file, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if (errno(error) !== 'ENOENT') throw error;
  }
}

const errno = (error: unknown): unknown => (error as NodeJS.ErrnoException | undefined)?.code;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
