// The HTTP edge on a real socket: slow clients are cut off at the configured limits; hostile JSON is a 400 before any handler runs.
import { connect, type Socket } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FunctionManager } from '@lucent/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LucentModule } from '../lucentModule.js';
import { createLucentApp } from './lucentHttp.js';

let app: NestFastifyApplication;
let port: number;

beforeAll(async () => {
  app = await createLucentApp(LucentModule.forRoot({ manager: new FunctionManager() }), {
    headersTimeoutMs: 1_000,
    requestTimeoutMs: 2_000,
    keepAliveTimeoutMs: 1_000,
    nestLogger: false,
  });
  await app.listen(0, '127.0.0.1');
  port = (app.getHttpServer().address() as { port: number }).port;
});

afterAll(() => app.close());

/** Opens a connection, writes `text`, and resolves with what the server sent and when it closed (ms after the write). */
function holdOpen(text: string): Promise<{ closedAfterMs: number; received: string }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let started = 0;
    socket.on('connect', () => {
      started = performance.now();
      socket.write(text);
    });
    socket.on('data', (d) => (received += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ closedAfterMs: performance.now() - started, received }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server held the connection for 10 s'));
    }, 10_000).unref();
  });
}

describe('slow clients', () => {
  it('closes a connection that never finishes its headers after the headers timeout', async () => {
    const { closedAfterMs } = await holdOpen('GET /functions HTTP/1.1\r\nHost: x\r\nX-Slow: 1');
    // The limit, plus at most one check interval (1 s here).
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(closedAfterMs).toBeLessThan(3_000);
  });

  it('answers 408 and closes when half a body arrives and the rest never does', async () => {
    const { closedAfterMs, received } = await holdOpen(
      'POST /functions/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
    );
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(1_900);
    expect(closedAfterMs).toBeLessThan(4_000);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { closedAfterMs, received } = await holdOpen('GET /functions HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(closedAfterMs).toBeLessThan(3_000);
  });
});

describe('hostile JSON', () => {
  const post = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/functions/anything', headers: { 'content-type': contentType }, payload });

  it('refuses nesting deeper than the limit before parsing, naming the limit', async () => {
    const res = await post(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ message: expect.stringContaining('32 levels') }] } });
  });

  it('refuses NUL and lone surrogates anywhere in the body, naming the field', async () => {
    expect((await post('{"a":{"b":["ok","x\\u0000"]}}')).json()).toMatchObject({ details: { issues: [{ path: 'a.b.1' }] } });
    expect((await post('{"a":"\\ud800"}')).json()).toMatchObject({ details: { issues: [{ path: 'a' }] } });
    expect((await post('{"\\udc00":1}')).statusCode).toBe(400);
  });

  it('refuses a NUL in a path parameter, prototype keys, truncated JSON and text bodies', async () => {
    const nul = await app.inject({ method: 'POST', url: '/functions/a%00b', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(nul.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'params.name' }] } });
    expect((await post('{"__proto__":{"polluted":true}}')).statusCode).toBe(400);
    expect((await post('{"a":')).json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await post('hello', 'text/plain')).statusCode).toBe(415);
  });
});
