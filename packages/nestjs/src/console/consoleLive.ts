// The live stream's hub: Server-Sent Events to every open /console/api/live — cluster snapshots, each new call, registry changes — bounded, and ended on shutdown.
import type { ServerResponse } from 'node:http';
import { LucentError } from '@lucent/core';
import type { RegistryStore, RegistryWatch } from '@lucent/runtime';
import type { CallLog, CallRecord } from './callLog.js';
import type { ClusterAnswer } from './clusterView.js';
import type { ConsoleLiveOptions } from './consoleOptions.js';

interface Stream {
  readonly res: ServerResponse;
  /** `event: call` sent in the current second, and which second that is. */
  sent: number;
  second: number;
}

/** A stream whose client reads slower than this (bytes queued) gets no call events until it catches up… */
const slowBytes = 256 * 1024;
/** …and is ended past this, rather than buffering without bound. */
const stuckBytes = 1024 * 1024;

export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface LiveSources {
  readonly snapshot: () => ClusterAnswer;
  readonly calls?: CallLog;
  readonly registry?: RegistryStore;
  readonly options?: ConsoleLiveOptions;
}

export class LiveHub {
  private readonly streams = new Set<Stream>();
  private readonly clusterMs: number;
  private readonly pingMs: number;
  private readonly maxStreams: number;
  private readonly maxCalls: number;
  private clusterTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private offCalls: (() => void) | undefined;
  private watch: RegistryWatch | undefined;
  private closed = false;

  constructor(private readonly sources: LiveSources) {
    const o = sources.options ?? {};
    this.clusterMs = o.clusterIntervalMs ?? 2_000;
    this.pingMs = o.pingIntervalMs ?? 15_000;
    this.maxStreams = o.maxStreams ?? 32;
    this.maxCalls = o.maxCallEventsPerSec ?? 50;
  }

  get open(): number {
    return this.streams.size;
  }

  /** Refuses before anything is written, so the caller can still answer with an error body. */
  admit(): void {
    if (this.closed) throw new LucentError('UNAVAILABLE', 'The service is shutting down', { reason: 'closing' });
    if (this.streams.size >= this.maxStreams) {
      throw new LucentError('UNAVAILABLE', `${this.maxStreams} live streams are open already; close one or try later`, { reason: 'too-many-streams', max: this.maxStreams });
    }
  }

  /** Take over a response (already admitted): headers, a first cluster event, then whatever happens until either side closes. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx-like proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    const stream: Stream = { res, sent: 0, second: 0 };
    this.streams.add(stream);
    res.on('close', () => this.drop(stream));
    this.write(stream, sseFrame('cluster', this.sources.snapshot()));
    this.follow();
  }

  /** End every stream and stop following; later requests are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of [...this.streams]) s.res.end();
    this.streams.clear();
    await this.unfollow();
  }

  /** Timers and subscriptions run only while someone watches. */
  private follow(): void {
    if (this.clusterTimer !== undefined) return;
    this.clusterTimer = setInterval(() => this.broadcast(sseFrame('cluster', this.sources.snapshot())), this.clusterMs);
    this.pingTimer = setInterval(() => this.broadcast(': ping\n\n'), this.pingMs);
    this.clusterTimer.unref();
    this.pingTimer.unref();
    this.offCalls = this.sources.calls?.onCall((r) => this.call(r));
    const registry = this.sources.registry;
    if (registry !== undefined) {
      this.watch = registry.watch({
        onChange: (change) => {
          if (!change.initial) this.broadcast(sseFrame('registry', { name: change.name, revision: change.revision }));
        },
      });
    }
  }

  private async unfollow(): Promise<void> {
    clearInterval(this.clusterTimer);
    clearInterval(this.pingTimer);
    this.clusterTimer = undefined;
    this.pingTimer = undefined;
    this.offCalls?.();
    this.offCalls = undefined;
    const watch = this.watch;
    this.watch = undefined;
    await watch?.stop().catch(() => undefined);
  }

  private drop(stream: Stream): void {
    if (!this.streams.delete(stream)) return;
    if (this.streams.size === 0) void this.unfollow();
  }

  private call(record: CallRecord): void {
    const second = Math.floor(Date.now() / 1_000);
    let frame: string | undefined;
    for (const s of this.streams) {
      if (s.second !== second) {
        s.second = second;
        s.sent = 0;
      }
      if (s.sent >= this.maxCalls || s.res.writableLength > slowBytes) continue;
      s.sent++;
      this.write(s, (frame ??= sseFrame('call', record)));
    }
  }

  private broadcast(frame: string): void {
    for (const s of this.streams) this.write(s, frame);
  }

  private write(stream: Stream, frame: string): void {
    if (stream.res.writableLength > stuckBytes) {
      stream.res.end();
      this.drop(stream);
      return;
    }
    stream.res.write(frame);
  }
}
