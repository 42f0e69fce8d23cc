// Graceful stop of the HTTP edge: no new connections, every request already received answered, within a drain timeout.
import type { Server } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface DrainOutcome {
  /** Every request received before the stop was answered within the timeout. */
  readonly drained: boolean;
  readonly elapsedMs: number;
}

/**
 * Stop the app's HTTP server taking work and wait for the requests it holds: the listening socket
 * closes at once (new connections are refused), idle keep-alive connections are closed, a request
 * arriving on a busy keep-alive connection gets 503 (Fastify's `return503OnClosing`), and each
 * request already received runs to its answer. Past `timeoutMs` the remaining connections are cut.
 * Then close the app (Nest's shutdown hooks); its own close of the server finds it closed.
 */
export async function drainHttp(app: NestFastifyApplication, timeoutMs: number): Promise<DrainOutcome> {
  const started = Date.now();
  const fastify = app.getHttpAdapter().getInstance();
  const server = app.getHttpServer() as Server;
  let timer: NodeJS.Timeout | undefined;
  const closed = fastify.close().then(() => true);
  const drained = await Promise.race([closed, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
  clearTimeout(timer);
  if (!drained) {
    server.closeAllConnections();
    await closed;
  }
  const elapsedMs = Date.now() - started;
  await app.close();
  return { drained, elapsedMs };
}
