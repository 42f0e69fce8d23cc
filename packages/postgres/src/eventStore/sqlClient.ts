// One small SQL seam over node-postgres and PGlite, so the event store runs the same SQL on both.
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { openPgliteDirectory } from '../embedded/dataDirectoryLock.js';
import { LucentError } from '@lucent/core';

export interface SqlRows<T> {
  readonly rows: T[];
}

export interface SqlClient {
  /** Run one statement. `name` makes node-postgres keep a prepared plan; PGlite ignores it. */
  query<T>(text: string, params?: readonly unknown[], name?: string): Promise<SqlRows<T>>;
  /** Run `fn` on one dedicated session (needed for session advisory locks and explicit transactions). */
  session<T>(fn: (run: (text: string, params?: readonly unknown[]) => Promise<SqlRows<unknown>>) => Promise<T>): Promise<T>;
  /**
   * LISTEN on a channel; returns a function that stops listening. `onNotify` gets each notice's
   * payload, and no payload when a dedicated connection has just (re)connected: notices sent
   * while it was down are lost, so the listener should look at the store once.
   */
  listen(channel: string, onNotify: (payload?: string) => void): Promise<() => Promise<void>>;
  /**
   * Whether a session other than this client's own LISTEN connections may be listening on
   * `channel` (true when it cannot tell). Absent: assume someone does.
   */
  othersListening?(channel: string): Promise<boolean>;
  close(): Promise<void>;
}

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** Turn a lost or refused connection into UNAVAILABLE; leave every other error as it is. */
export function asUnavailable(error: unknown, where: string): unknown {
  if (error instanceof LucentError) return error;
  const e = error as { code?: string; message?: string; errors?: { code?: string }[] };
  const code = e?.code ?? e?.errors?.[0]?.code;
  const message = String(e?.message ?? error);
  const lost =
    (code !== undefined && unavailableCodes.has(code)) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(
      message,
    );
  if (!lost) return error;
  return new LucentError(
    'UNAVAILABLE',
    `PostgreSQL at ${where} is unreachable (${code ?? message}). If the connection dropped mid-append the outcome is unknown: retry with the same idempotency key.`,
    { where, reason: code ?? message },
    { cause: error },
  );
}

export interface PgClientOptions {
  readonly connectionString?: string;
  /** An existing pool to share; the store then does not end it on close. */
  readonly pool?: pg.Pool;
  readonly max?: number;
  /** How long to wait for a connection before failing with UNAVAILABLE (default 2,000 ms). */
  readonly connectTimeoutMs?: number;
}

export class PgSqlClient implements SqlClient {
  readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly where: string;
  private readonly listeners = new Set<pg.Client>();
  private closed = false;

  constructor(options: PgClientOptions) {
    this.ownsPool = options.pool === undefined;
    this.pool =
      options.pool ??
      new pg.Pool({
        connectionString: options.connectionString,
        max: options.max ?? 10,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 2_000,
      });
    // An idle client whose server went away emits 'error' on the pool; without a listener that crashes the process.
    this.pool.on('error', () => undefined);
    // So does a checked-out one (the pool listens only while a client is idle): a server restart between two
    // statements of a session must fail that session's next statement, not the process.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    // A shared pool built from a URL keeps it in its options (host and port stay unset until a client parses it).
    const o = this.pool.options;
    const url = options.connectionString ?? o.connectionString;
    this.where = url ? redact(url) : `${o.host ?? 'localhost'}:${o.port ?? 5432}/${o.database ?? ''}`;
  }

  async query<T>(text: string, params?: readonly unknown[], name?: string): Promise<SqlRows<T>> {
    // Not pool.query: it releases a client with the query's error, and the pool then destroys that
    // connection, so every VERSION_CONFLICT cost a new connection (and its prepared statements).
    // With 8 writers on one stream that was ~40 ms per conflict and event-loop stalls of 35–100 ms.
    // A statement's own error (severity ERROR) leaves the session usable; anything else discards it.
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asUnavailable(error, this.where);
    }
    let broken: Error | undefined;
    try {
      const config: pg.QueryConfig = { text, values: params as unknown[] };
      if (name !== undefined) config.name = name;
      const r = await client.query(config);
      return { rows: r.rows as T[] };
    } catch (error) {
      if ((error as { severity?: string } | null)?.severity !== 'ERROR') broken = error instanceof Error ? error : new Error(String(error));
      throw asUnavailable(error, this.where);
    } finally {
      client.release(broken);
    }
  }

  async session<T>(
    fn: (run: (text: string, params?: readonly unknown[]) => Promise<SqlRows<unknown>>) => Promise<T>,
  ): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asUnavailable(error, this.where);
    }
    let broken: unknown;
    try {
      return await fn(async (text, params) => {
        try {
          const r = await client.query(text, params as unknown[]);
          return { rows: r.rows as unknown[] };
        } catch (error) {
          broken = error;
          throw asUnavailable(error, this.where);
        }
      });
    } finally {
      // A session that failed may hold a lock or an open transaction: discard it rather than reuse it.
      client.release(broken !== undefined ? true : undefined);
    }
  }

  async listen(channel: string, onNotify: (payload?: string) => void): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      if (stopped || this.closed) return;
      const c = new pg.Client(this.pool.options);
      c.on('error', () => undefined);
      // A notice always carries a payload ('' when none was given); undefined is kept for "(re)connected".
      c.on('notification', (n) => onNotify(n.payload ?? ''));
      c.on('end', () => {
        this.listeners.delete(c);
        if (client === c) client = undefined;
        // Reconnect quietly; the subscription's poll keeps it moving meanwhile, and one wake-up covers missed notices.
        if (!stopped && !this.closed) retry = setTimeout(() => void connect(), 500);
      });
      try {
        await c.connect();
        await c.query(`LISTEN "${channel}"`);
        client = c;
        this.listeners.add(c);
        onNotify();
      } catch {
        await c.end().catch(() => undefined);
      }
    };
    await connect();
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      if (c) {
        this.listeners.delete(c);
        await c.end().catch(() => undefined);
      }
    };
  }

  async othersListening(channel: string): Promise<boolean> {
    // A LISTEN connection runs nothing after its LISTEN, so pg_stat_activity shows that as its query.
    // A session whose query this role may not read (another role without pg_read_all_stats), or one
    // with track_activities off, counts as listening: the notice is then sent, as before.
    const own = [...this.listeners].map((c) => (c as unknown as { processID?: number }).processID ?? 0);
    const { rows } = await this.query<{ others: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
         AND pid <> ALL ($2::int[]) AND (query = $1 OR query = '<insufficient privilege>' OR state = 'disabled')) AS others`,
      [`LISTEN "${channel}"`, own],
      'lucent_others_listening',
    );
    return rows[0]?.others !== false;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.listeners].map((c) => c.end().catch(() => undefined)));
    if (this.ownsPool) await this.pool.end();
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

/** PGlite is one connection in this process: every query already runs on the same session. */
export class PgliteSqlClient implements SqlClient {
  constructor(
    readonly db: PGlite,
    private readonly ownsDb: boolean,
    /** How to close an owned database (e.g. also release its data directory's lock); default `db.close()`. */
    private readonly closeDb: () => Promise<void> = () => db.close(),
  ) {}

  async query<T>(text: string, params?: readonly unknown[]): Promise<SqlRows<T>> {
    const r = await this.db.query<T>(text, params as unknown[]);
    return { rows: r.rows };
  }

  session<T>(fn: (run: (text: string, params?: readonly unknown[]) => Promise<SqlRows<unknown>>) => Promise<T>): Promise<T> {
    // Without parameters use exec, which (unlike query) accepts several statements, as pg's simple protocol does.
    return fn(async (text, params) => {
      if (params !== undefined && params.length > 0) return this.query<unknown>(text, params);
      const results = await this.db.exec(text);
      return { rows: (results[results.length - 1]?.rows ?? []) as unknown[] };
    });
  }

  async listen(channel: string, onNotify: (payload?: string) => void): Promise<() => Promise<void>> {
    // One in-process connection that never drops, so there is no reconnect to report.
    const stop = await this.db.listen(channel, (payload) => onNotify(payload));
    return () => stop();
  }

  async close(): Promise<void> {
    if (this.ownsDb) await this.closeDb();
  }
}

/**
 * The PGlite a store runs on: the caller's, a new one in memory, or one on `dataDir` opened under
 * the directory's single-writer lock (openPgliteDirectory), released when the store closes.
 */
export async function openPgliteClient(options: { readonly db?: PGlite; readonly dataDir?: string }): Promise<PgliteSqlClient> {
  if (options.db !== undefined) return new PgliteSqlClient(options.db, false);
  if (options.dataDir === undefined) return new PgliteSqlClient(new PGlite(), true);
  const directory = await openPgliteDirectory(options.dataDir);
  return new PgliteSqlClient(directory.db, true, () => directory.close());
}
