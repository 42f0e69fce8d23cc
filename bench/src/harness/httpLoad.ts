// HTTP load for the http.* cases: servers in worker threads, a raw keep-alive socket client (one request in flight per connection), alternating windows.
import { connect, type Socket } from 'node:net';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { alternate, type Schedule } from './alternate.js';
import { LatencyRecorder } from './latencyRecorder.js';
import { addOps, emptyOps, opsPerSecond, type OpsSample } from './measure.js';

// ---- servers: each side in its own worker thread, so the load generator does not share its event loop

interface ServerWorkerData {
  readonly tag: string;
  readonly side: string;
  readonly config: unknown;
}

/**
 * Call at the top level of a case module: when this thread is a server worker started by
 * `startServerWorker` with `tag`, start the side named in its data and report the port. The
 * worker also answers 'elu' with its event-loop utilisation, so a window can ask how busy the
 * server thread was (a cost per request the client's share of the CPU does not skew).
 */
export function serveInWorker(tag: string, start: (side: string, config: unknown) => Promise<number>): void {
  const data = workerData as Partial<ServerWorkerData> | null;
  if (parentPort === null || data?.tag !== tag) return;
  const port = parentPort;
  port.on('message', (m: unknown) => {
    if (m === 'elu') port.postMessage({ elu: performance.eventLoopUtilization() });
  });
  void start(data.side as string, data.config).then(
    (listening) => port.postMessage({ port: listening }),
    (error: unknown) => port.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
}

export interface ServerWorker {
  readonly worker: Worker;
  readonly port: number;
}

/** Start `side` of the case module at `moduleUrl` in a worker thread (see serveInWorker); resolves with its HTTP port. */
export async function startServerWorker(moduleUrl: URL, tag: string, side: string, config: unknown = {}, timeoutMs = 30_000): Promise<ServerWorker> {
  const worker = new Worker(moduleUrl, { workerData: { tag, side, config } satisfies ServerWorkerData });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${side} server did not start within ${timeoutMs / 1000} s`)), timeoutMs);
      worker.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      worker.once('message', (m: { port?: number; error?: string }) => {
        clearTimeout(timer);
        if (m.port === undefined) reject(new Error(`${side} server failed: ${m.error ?? 'no port'}`));
        else resolve(m.port);
      });
    });
    return { worker, port };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}

function serverBusyMs(worker: Worker): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: { elu?: { active: number } }): void => {
      if (m.elu === undefined) return;
      worker.off('message', onMessage);
      resolve(m.elu.active);
    };
    worker.on('message', onMessage);
    worker.postMessage('elu');
  });
}

// ---- requests

export interface HttpRequestSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** JSON body (POST). */
  readonly body?: string;
}

/** The bytes of one keep-alive request. */
export function requestBytes(spec: HttpRequestSpec): Buffer {
  const head = `${spec.method} ${spec.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
  if (spec.body === undefined) return Buffer.from(`${head}\r\n`, 'latin1');
  return Buffer.from(`${head}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(spec.body)}\r\n\r\n${spec.body}`, 'utf8');
}

/** What a side's server answers to one request, as `status body`: the sides must agree before their speed is compared. */
export async function answerOf(port: number, spec: HttpRequestSpec): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${spec.path}`, {
    method: spec.method,
    ...(spec.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: spec.body }),
  });
  return `${res.status} ${await res.text()}`;
}

// ---- load generator: raw keep-alive sockets, one request in flight each, so the client costs little next to the server

const headerEnd = Buffer.from('\r\n\r\n', 'latin1');
/** A connection idle this long is opened afresh before the next window (createLucentApp's keep-alive timeout is 5 s). */
const idleReopenMs = 3_000;

/**
 * One keep-alive connection that sends the next request as soon as a whole response has
 * arrived, until its window ends. `next` gives each request's bytes (a fixed buffer, or a fresh
 * body per request, e.g. a new owner for every write). Any status outside 2xx is a failure.
 * A server may close a connection left idle between windows (keep-alive timeout, 5 s in
 * createLucentApp): `reopen()` connects again before the next window, as a real client would.
 */
export class LoadConnection {
  private buffer: Buffer | undefined;
  /** Bytes of the response being read (headers + body), or -1 while its headers are incomplete. */
  private need = -1;
  private status = 0;
  private sentAt = 0;
  private window: { endAt: number; recorder: LatencyRecorder | undefined; done: (error?: Error) => void } | undefined;
  ops = 0;
  failures = 0;
  lastFailure = '';
  /** Connections opened again after the server closed an idle one. */
  reopened = 0;

  /** Set when the socket failed or closed during a window; the window then ends with this error instead of waiting forever. */
  private broken: Error | undefined;
  /** The server closed the connection while no request was in flight. */
  private closedIdle = false;
  private closing = false;
  private lastReplyAt = performance.now();
  private socket!: Socket;

  private constructor(
    private readonly port: number,
    private readonly next: () => Buffer,
  ) {}

  static async open(port: number, next: () => Buffer): Promise<LoadConnection> {
    const c = new LoadConnection(port, next);
    await c.connect();
    return c;
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port: this.port, host: '127.0.0.1' }, () => {
        socket.off('error', reject);
        this.attach(socket);
        resolve();
      });
      socket.once('error', reject);
    });
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    this.lastReplyAt = performance.now();
    this.buffer = undefined;
    this.need = -1;
    this.closedIdle = false;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.stop(error));
    socket.on('close', () => {
      if (this.closing || this.socket !== socket) return;
      if (this.window === undefined && this.buffer === undefined) this.closedIdle = true;
      else this.stop(new Error('the server closed a keep-alive connection during a request'));
    });
  }

  /**
   * Connect again if the server closed this connection while it was idle, or if it has been idle
   * long enough that the server may close it just as the next request leaves (Node's
   * keep-alive race); call between windows.
   */
  async reopen(): Promise<void> {
    if (this.broken !== undefined) return;
    if (!this.closedIdle && performance.now() - this.lastReplyAt < idleReopenMs) return;
    if (!this.closedIdle) {
      const old = this.socket;
      this.socket = undefined as unknown as Socket;
      old.destroy();
    }
    await this.connect();
    this.reopened++;
  }

  /** Requests back to back for `windowMs`; ends with the response in flight, or fails after a 10 s grace. */
  run(windowMs: number, recorder: LatencyRecorder | undefined): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.stop(new Error('a request got no reply within 10 s after its window')), windowMs + 10_000);
      this.window = {
        endAt: performance.now() + windowMs,
        recorder,
        done: (error) => {
          clearTimeout(timer);
          if (error === undefined) resolve();
          else reject(error);
        },
      };
      this.send();
    });
  }

  private stop(error: Error): void {
    this.broken ??= error;
    const window = this.window;
    this.window = undefined;
    window?.done(error);
  }

  private send(): void {
    this.sentAt = performance.now();
    this.socket.write(this.next());
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer === undefined ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.need < 0) {
      const end = this.buffer.indexOf(headerEnd);
      if (end < 0) return;
      const head = this.buffer.toString('latin1', 0, end);
      this.status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (length === null) {
        this.socket.destroy(new Error('response without content-length (chunked replies are not supported here)'));
        return;
      }
      this.need = end + headerEnd.length + Number(length[1]);
    }
    if (this.buffer.length < this.need) return;
    if (this.status < 200 || this.status > 299) {
      this.failures++;
      this.lastFailure = `${this.status} ${this.buffer.toString('utf8', 0, Math.min(this.buffer.length, 300))}`;
    }
    this.buffer = undefined;
    this.need = -1;
    const now = performance.now();
    this.lastReplyAt = now;
    const window = this.window;
    if (window === undefined) return;
    this.ops++;
    window.recorder?.recordMs(now - this.sentAt);
    if (now < window.endAt) this.send();
    else {
      this.window = undefined;
      window.done();
    }
  }

  close(): void {
    this.closing = true;
    this.window = undefined;
    this.socket.destroy();
  }
}

// ---- one side under load: its server, its connections, what was measured

export interface HttpTarget {
  readonly worker: Worker;
  readonly port: number;
  readonly conns: LoadConnection[];
  readonly totals: OpsSample;
  readonly recorder: LatencyRecorder;
  /** Milliseconds the server thread was busy during measured windows. */
  busyMs: number;
}

export async function openTarget(server: ServerWorker, connections: number, next: () => Buffer): Promise<HttpTarget> {
  const conns: LoadConnection[] = [];
  try {
    for (let i = 0; i < connections; i++) conns.push(await LoadConnection.open(server.port, next));
  } catch (error) {
    for (const c of conns) c.close();
    throw error;
  }
  return { worker: server.worker, port: server.port, conns, totals: emptyOps(), recorder: new LatencyRecorder(), busyMs: 0 };
}

export async function measureWindow(target: HttpTarget, windowMs: number, measured: boolean): Promise<void> {
  await Promise.all(target.conns.map((c) => c.reopen()));
  const before = target.conns.reduce((n, c) => n + c.ops, 0);
  const busyBefore = measured ? await serverBusyMs(target.worker) : 0;
  const start = performance.now();
  await Promise.all(target.conns.map((c) => c.run(windowMs, measured ? target.recorder : undefined)));
  const ms = performance.now() - start;
  if (measured) target.busyMs += (await serverBusyMs(target.worker)) - busyBefore;
  const failed = target.conns.find((c) => c.failures > 0);
  // A refused request is cheap: counting it would flatter whichever side refuses.
  if (failed !== undefined) throw new Error(`http bench: ${failed.failures} non-2xx replies, e.g. ${failed.lastFailure}`);
  if (measured) addOps(target.totals, { ops: target.conns.reduce((n, c) => n + c.ops, 0) - before, ms });
}

/** The sides in alternating windows after a warm-up long enough for Nest's router, zod's checks and Fastify's serialiser to be compiled. */
export async function alternateHttp<S extends string>(targets: Record<S, HttpTarget>, schedule: Schedule): Promise<void> {
  const sides = Object.keys(targets) as S[];
  await alternate(sides, { ...schedule, warmupMs: schedule.warmupMs ?? Math.max(1_000, Math.min(schedule.windowMs, 2_000)) }, (side, ms, measured) =>
    measureWindow(targets[side], ms, measured),
  );
}

export async function closeTargets(targets: Iterable<HttpTarget>, workers: Iterable<Worker>): Promise<void> {
  for (const t of targets) for (const c of t.conns) c.close();
  await Promise.all([...workers].map((w) => w.terminate()));
}

export const targetOpsPerSecond = (t: HttpTarget): number => opsPerSecond(t.totals);

/** Server-thread busy time per request in µs (event-loop utilisation during measured windows). */
export const busyUsPerRequest = (t: HttpTarget): number => (1000 * t.busyMs) / t.totals.ops;
