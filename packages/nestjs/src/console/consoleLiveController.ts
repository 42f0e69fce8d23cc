// GET /console/api/live: Server-Sent Events (cluster every 2 s, each call, registry changes, a ping every 15 s) for a signed-in reader.
import type { ServerResponse } from 'node:http';
import { Controller, Inject, Res } from '@nestjs/common';
import { CONSOLE_RUNTIME } from './consoleOptions.js';
import { ConsoleRead } from './consoleRead.js';
import type { ConsoleRuntime } from './consoleRuntime.js';

/** The part of Fastify's reply the stream needs: take the response over from Fastify, and the Node response under it. */
interface ReplyLike {
  hijack(): void;
  readonly raw: ServerResponse;
}

@Controller('console/api')
export class ConsoleLiveController {
  constructor(@Inject(CONSOLE_RUNTIME) private readonly runtime: ConsoleRuntime) {}

  @ConsoleRead('live', {
    summary: 'Console: live stream (text/event-stream) of cluster snapshots, calls and registry changes',
    refusals: { 503: 'Too many live streams open, or the service is stopping' },
  })
  live(@Res() reply: ReplyLike): void {
    // Refused (503, the usual error body) before Fastify hands the response over.
    this.runtime.live.admit();
    reply.hijack();
    this.runtime.live.attach(reply.raw);
  }
}
