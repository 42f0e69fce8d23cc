// Load reports go out on the prefix's load subject without the sender's local receipt time; every listener hears each well-formed report, and the subscription lives while anyone listens.
import { describe, expect, it } from 'vitest';
import type { LoadReport } from '@lucent/core';
import { recordingConnection } from './fixtures/recordingConnection.js';
import { LoadReports } from './loadReports.js';
import { decodeJson, encodeJson } from './wire/jsonBody.js';

const report = (shardId: string): LoadReport => ({
  shardId,
  tags: ['aave'],
  functions: {},
  cpu: 0.25,
  memoryMb: 120,
  memoryFraction: 0.1,
  eventLoopLagMs: 2,
  inFlight: 3,
  sequence: 7,
  sentAt: 1_700_000_000_000,
  startedAt: 1_699_999_000_000,
});

describe('LoadReports', () => {
  it('publishes a report on <prefix>.load without its receivedAt, which is the receiver’s own reading', () => {
    const nc = recordingConnection();
    new LoadReports(nc, 'lucent').publish({ ...report('s1'), receivedAt: 1_700_000_000_005 });
    expect(nc.published.map((m) => [m.subject, decodeJson(m.data)])).toEqual([['lucent.load', report('s1')]]);
  });

  it('hands every listener each report, and skips a body that is not a report', () => {
    const nc = recordingConnection();
    const load = new LoadReports(nc, 'lucent');
    const heard: string[] = [];
    load.listen((r) => heard.push(`a:${r.shardId}`));
    load.listen((r) => heard.push(`b:${r.shardId}`));
    nc.deliver({ subject: 'lucent.load', data: encodeJson(report('s1')) });
    nc.deliver({ subject: 'lucent.load', data: Buffer.from('{oops') });
    nc.deliver({ subject: 'lucent.load', data: encodeJson({ cpu: 1 }) });
    nc.deliver({ subject: 'lucent.load' });
    nc.deliver({ subject: 'other.load', data: encodeJson(report('s9')) });
    expect(heard).toEqual(['a:s1', 'b:s1']);
  });

  it('keeps one subscription for all listeners and closes it when the last one leaves', () => {
    const nc = recordingConnection();
    const load = new LoadReports(nc, 'lucent');
    const heard: string[] = [];
    const stopA = load.listen((r) => heard.push(`a:${r.shardId}`));
    const stopB = load.listen((r) => heard.push(`b:${r.shardId}`));
    expect(nc.subscriptions()).toEqual(['lucent.load']);
    stopA();
    nc.deliver({ subject: 'lucent.load', data: encodeJson(report('s1')) });
    stopB();
    expect(nc.subscriptions()).toEqual([]);
    load.listen((r) => heard.push(`c:${r.shardId}`));
    nc.deliver({ subject: 'lucent.load', data: encodeJson(report('s2')) });
    expect(heard).toEqual(['b:s1', 'c:s2']);
    load.close();
    expect(nc.subscriptions()).toEqual([]);
  });
});
