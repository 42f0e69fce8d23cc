// GET /console and /console/*: the built single-page app — index.html, its hashed assets, and index.html for any other page name (hash routing).
import { Controller, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { z } from 'zod';
import { LucentRoute } from '../routes/lucentRoute.js';
import { fileNamePattern, notBuiltPage, type ConsoleFile } from './consoleFiles.js';
import { CONSOLE_RUNTIME } from './consoleOptions.js';
import type { ConsoleRuntime } from './consoleRuntime.js';

interface ReplyLike {
  status(code: number): ReplyLike;
  type(contentType: string): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(body: string | Buffer): void;
}

const FileParams = z.strictObject({ file: z.string().regex(fileNamePattern, 'must be a file name') });

@Controller('console')
export class ConsoleStaticController {
  constructor(@Inject(CONSOLE_RUNTIME) private readonly runtime: ConsoleRuntime) {}

  @LucentRoute('GET', '', { summary: 'Operator console (single-page app); it signs in with a bearer token', public: true, tag: 'console' })
  index(@Res() reply: ReplyLike): void {
    this.page(reply);
  }

  @LucentRoute('GET', 'assets/:file', { summary: 'A console asset (hashed name)', public: true, tag: 'console', params: FileParams, refusals: { 404: 'No such asset' } })
  asset(@Param('file') file: string, @Res() reply: ReplyLike): void {
    const found = this.runtime.files.read(file, 'assets');
    if (found === undefined) throw new NotFoundException(`No console asset ${file}`);
    // Vite puts a content hash in every asset name: a new build is a new name.
    this.send(reply, found, 'public, max-age=31536000, immutable');
  }

  @LucentRoute('GET', ':file', { summary: 'A file of the console build, or its page for any other name', public: true, tag: 'console', params: FileParams })
  file(@Param('file') file: string, @Res() reply: ReplyLike): void {
    const found = file === 'index.html' ? undefined : this.runtime.files.read(file);
    if (found === undefined) this.page(reply);
    else this.send(reply, found, 'public, max-age=3600');
  }

  private page(reply: ReplyLike): void {
    const index = this.runtime.files.index();
    if (index === undefined) {
      reply.status(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(notBuiltPage(this.runtime.files.tried));
      return;
    }
    // Not cached: a new build must be picked up by the next load.
    this.send(reply, index, 'no-cache');
  }

  private send(reply: ReplyLike, file: ConsoleFile, cacheControl: string): void {
    reply.status(200).type(file.type).header('cache-control', cacheControl).header('x-content-type-options', 'nosniff').send(file.body);
  }
}
