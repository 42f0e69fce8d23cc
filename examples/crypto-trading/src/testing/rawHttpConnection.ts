// A keep-alive HTTP/1.1 connection that writes prepared request bytes and reads whole responses: a load client that costs the machine little, so a load spec measures the server, not node:http's client.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** The response head (status line and headers), as sent. */
  readonly head: string;
  readonly body: string;
}

const headerEnd = Buffer.from('\r\n\r\n', 'latin1');

/** The bytes of a POST with a JSON body and these headers. */
export function postBytes(path: string, body: string, headers: Readonly<Record<string, string>> = {}): Buffer {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'utf8');
}

/** A header's value in a response head, or undefined. */
export function headerOf(head: string, name: string): string | undefined {
  const match = new RegExp(`\\r\\n${name}:\\s*([^\\r]*)`, 'i').exec(head);
  return match?.[1];
}

/**
 * One request in flight at a time; a response must carry content-length (Fastify's do). A socket
 * error, a close or no answer within `timeoutMs` fails the request in flight and the connection.
 */
export class RawHttpConnection {
  private buffer: Buffer | undefined;
  private need = -1;
  private pending: { resolve: (r: RawResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  private broken: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  static open(port: number, timeoutMs = 10_000): Promise<RawHttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => {
        socket.off('error', reject);
        resolve(new RawHttpConnection(socket, timeoutMs));
      });
      socket.once('error', reject);
    });
  }

  request(bytes: Buffer): Promise<RawResponse> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    if (this.pending !== undefined) return Promise.reject(new Error('a request is already in flight on this connection'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.pending = { resolve, reject, timer };
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.broken ??= new Error('closed');
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.broken ??= error;
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer === undefined ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.need < 0) {
      const end = this.buffer.indexOf(headerEnd);
      if (end < 0) return;
      const length = headerOf(this.buffer.toString('latin1', 0, end), 'content-length');
      if (length === undefined) return this.fail(new Error('a response without content-length'));
      this.need = end + headerEnd.length + Number(length);
    }
    if (this.buffer.length < this.need) return;
    const end = this.buffer.indexOf(headerEnd);
    const head = this.buffer.toString('latin1', 0, end);
    const body = this.buffer.toString('utf8', end + headerEnd.length, this.need);
    this.buffer = this.buffer.length > this.need ? this.buffer.subarray(this.need) : undefined;
    this.need = -1;
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return this.fail(new Error('a response nobody asked for'));
    clearTimeout(pending.timer);
    pending.resolve({ status: Number(head.slice(9, 12)), head, body });
  }
}
