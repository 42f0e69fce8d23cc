// The console's live stream reader: SSE frames split anywhere, the backoff, and reconnecting to a real local server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs, connectLive, SseParser, type LiveStatus, type SseMessage } from './sse.js';

describe('SseParser', () => {
  const stream = 'event: cluster\ndata: {"a":1}\n\n: ping\n\nevent: call\r\ndata: line one\r\ndata: line two\r\n\r\ndata: plain\rid: 7\r\r\n';

  it('reads events, multi-line data, comments and every line ending', () => {
    expect(new SseParser().push(stream)).toEqual([
      { event: 'cluster', data: '{"a":1}' },
      { event: 'call', data: 'line one\nline two' },
      { event: 'message', data: 'plain', id: '7' },
    ]);
  });

  it('gives the same messages however the stream is cut into chunks', () => {
    const whole = new SseParser().push(stream);
    for (let size = 1; size <= 7; size++) {
      const parser = new SseParser();
      const got: SseMessage[] = [];
      for (let i = 0; i < stream.length; i += size) got.push(...parser.push(stream.slice(i, i + size)));
      expect(got).toEqual(whole);
    }
  });

  it('holds back a message until its blank line arrives, and skips a comment-only block', () => {
    const parser = new SseParser();
    expect(parser.push(': ping\n\nevent: registry\ndata: {"name":"f"}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'registry', data: '{"name":"f"}' }]);
  });
});

describe('backoffMs', () => {
  it('doubles from 500 ms and stops at 15 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((a) => backoffMs(a))).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
  });
});

describe('connectLive', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  const listen = async (handler: Parameters<typeof createServer>[1]): Promise<string> => {
    server = createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/live`;
  };

  it('reconnects after the server drops the stream, and sends the bearer token each time', async () => {
    let connections = 0;
    const tokens: (string | undefined)[] = [];
    const url = await listen((req, res) => {
      connections += 1;
      tokens.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: call\ndata: {"n":${connections}}\n\n`);
      if (connections === 1) res.end();
    });
    const statuses: LiveStatus[] = [];
    const data: string[] = [];
    const stop = connectLive({ url, headers: () => ({ authorization: 'Bearer t0k' }), onMessage: (m) => data.push(m.data), onStatus: (s) => statuses.push(s), onUnauthorized: () => undefined });
    try {
      await expect.poll(() => data, { timeout: 5_000 }).toEqual(['{"n":1}', '{"n":2}']);
      expect(statuses).toEqual(['connecting', 'live', 'reconnecting', 'live']);
      expect(tokens).toEqual(['Bearer t0k', 'Bearer t0k']);
    } finally {
      stop();
      server?.closeAllConnections();
    }
  });

  it('stops and reports a refused token (401) instead of retrying', async () => {
    let connections = 0;
    const url = await listen((_req, res) => {
      connections += 1;
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"UNAUTHORIZED","message":"no token"}');
    });
    let refused = 0;
    const stop = connectLive({ url, headers: () => ({}), onMessage: () => undefined, onStatus: () => undefined, onUnauthorized: () => (refused += 1) });
    await expect.poll(() => refused, { timeout: 5_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 800));
    stop();
    expect(connections).toBe(1);
  });
});
