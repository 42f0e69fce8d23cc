// Server-Sent Events over fetch(): a frame parser, the reconnect backoff, and a reader that keeps one stream open.
// fetch() rather than EventSource, because EventSource cannot send the Authorization header.

export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/**
 * Turns chunks of an event stream into messages (the WHATWG rules that matter here): lines end in
 * \n, \r\n or \r; `event:` and `data:` fields (several data lines join with \n); `:` starts a
 * comment; a blank line ends a message; a message without data is not dispatched.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  /** Feeds a chunk; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const lf = this.buffer.indexOf('\n');
      const cr = this.buffer.indexOf('\r');
      if (lf < 0 && cr < 0) break;
      let end: number;
      let next: number;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        // A \r as the last character may be the first half of \r\n: wait for the next chunk.
        if (cr === this.buffer.length - 1) break;
        end = cr;
        next = this.buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
      } else {
        end = lf;
        next = lf + 1;
      }
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(next);
      const message = this.line(line);
      if (message !== undefined) out.push(message);
    }
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      const message = this.data.length === 0 ? undefined : { event: this.event || 'message', data: this.data.join('\n'), ...(this.id === undefined ? {} : { id: this.id }) };
      this.event = '';
      this.data = [];
      return message;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id') this.id = value;
    return undefined;
  }
}

/** Milliseconds to wait before reconnect attempt `attempt` (0-based): doubling from `baseMs`, capped at `maxMs`. */
export function backoffMs(attempt: number, baseMs = 500, maxMs = 15_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
}

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

export interface LiveOptions {
  url: string;
  headers: () => Record<string, string>;
  onMessage: (message: SseMessage) => void;
  /** `retryInMs` is set while waiting to reconnect. */
  onStatus: (status: LiveStatus, retryInMs?: number) => void;
  /** The service refused the token: the reader stops. */
  onUnauthorized: () => void;
  /** No byte for this long (the server pings every 15 s) counts as a lost connection. */
  idleTimeoutMs?: number;
}

/** Keeps the stream open, reconnecting with backoff after any failure; returns a function that stops it. */
export function connectLive(options: LiveOptions): () => void {
  const idleTimeoutMs = options.idleTimeoutMs ?? 40_000;
  let stopped = false;
  let attempt = 0;
  let controller: AbortController | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;

  const armIdle = (): void => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => controller?.abort(), idleTimeoutMs);
  };

  const retry = (): void => {
    clearTimeout(idleTimer);
    if (stopped) return;
    const wait = backoffMs(attempt);
    attempt += 1;
    options.onStatus('reconnecting', wait);
    retryTimer = setTimeout(() => void open(), wait);
  };

  const open = async (): Promise<void> => {
    if (stopped) return;
    controller = new AbortController();
    armIdle();
    try {
      const response = await fetch(options.url, { headers: { accept: 'text/event-stream', ...options.headers() }, signal: controller.signal });
      if (response.status === 401) {
        stopped = true;
        clearTimeout(idleTimer);
        options.onUnauthorized();
        return;
      }
      if (!response.ok || response.body === null) throw new Error(`live stream answered ${response.status}`);
      attempt = 0;
      options.onStatus('live');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        armIdle();
        for (const message of parser.push(value)) options.onMessage(message);
      }
    } catch {
      // Network error, abort by the idle watchdog, or a bad status: all mean reconnect.
    }
    retry();
  };

  options.onStatus('connecting');
  void open();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    clearTimeout(idleTimer);
    controller?.abort();
  };
}
