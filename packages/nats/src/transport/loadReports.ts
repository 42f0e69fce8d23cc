// Load reports on NATS: each shard publishes its own on the load subject; every caller listens.
import type { LoadReport } from '@lucent/core';
import type { NatsConnection } from 'nats';
import type { OpenSubscription, SubscribingConnection } from './subscribingConnection.js';
import { loadSubject } from './wire/headerNames.js';
import { decodeJson, encodeJson } from './wire/jsonBody.js';

export class LoadReports {
  private readonly listeners = new Set<(report: LoadReport) => void>();
  private sub: OpenSubscription | undefined;

  constructor(
    private readonly nc: Pick<NatsConnection, 'publish'> & SubscribingConnection,
    private readonly prefix: string,
  ) {}

  publish(report: LoadReport): void {
    const { receivedAt: _local, ...wire } = report;
    this.nc.publish(loadSubject(this.prefix), encodeJson(wire));
  }

  /** Hear every shard's reports; the subscription is open while anyone listens. */
  listen(listener: (report: LoadReport) => void): () => void {
    this.listeners.add(listener);
    this.sub ??= this.nc.subscribe(loadSubject(this.prefix), {
      callback: (error, msg) => {
        if (error) return;
        let report: LoadReport;
        try {
          report = decodeJson(msg.data) as LoadReport;
        } catch {
          return;
        }
        if (typeof report?.shardId !== 'string') return;
        for (const l of this.listeners) l(report);
      },
    });
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.sub) {
        this.sub.unsubscribe();
        this.sub = undefined;
      }
    };
  }

  close(): void {
    this.sub?.unsubscribe();
  }
}
