// The alert notifier tells each raised and cleared alert once, in order, and a restarted one resumes after the last it told.
import { describe, expect, it } from 'vitest';
import type { Logger, LogFields } from '@lucent/core';
import { MemoryEventStore } from '@lucent/runtime';
import { notifyAlerts } from './alertNotifier.js';

function recordingLogger(lines: string[]): Logger {
  const line = (level: string) => (message: string, fields?: LogFields) => void lines.push(`${level} ${message} ${String(fields?.['positionId'])}`);
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

const alert = (positionId: string, healthFactor: number) => ({ positionId, healthFactor, priceUsd: 1_000, at: 0 });

describe('notifyAlerts', () => {
  it('logs a raised alert as a warning and its clearing as information, and nothing for other events', async () => {
    const events = new MemoryEventStore();
    const lines: string[] = [];
    await events.append('positions-p1', [{ type: 'CollateralDeposited', data: { positionId: 'p1' } }]);
    await events.append('liquidation-alerts-p1', [{ type: 'LiquidationAlertRaised', data: alert('p1', 1.05) }]);
    const last = await events.append('liquidation-alerts-p1', [{ type: 'LiquidationAlertCleared', data: alert('p1', 1.3) }]);
    const notifier = notifyAlerts({ events, logger: recordingLogger(lines) });
    await notifier.waitFor(last.lastGlobalPosition);
    await notifier.close();
    expect(lines).toEqual(['warn liquidation alert raised p1', 'info liquidation alert cleared p1']);
  });

  it('after a restart, tells only the alerts appended since the last one it told', async () => {
    const events = new MemoryEventStore();
    const lines: string[] = [];
    const first = await events.append('liquidation-alerts-p1', [{ type: 'LiquidationAlertRaised', data: alert('p1', 1.05) }]);
    const before = notifyAlerts({ events, logger: recordingLogger(lines) });
    await before.waitFor(first.lastGlobalPosition);
    await before.close();
    const second = await events.append('liquidation-alerts-p2', [{ type: 'LiquidationAlertRaised', data: alert('p2', 1.01) }]);
    const after = notifyAlerts({ events, logger: recordingLogger(lines) });
    await after.waitFor(second.lastGlobalPosition);
    await after.close();
    expect(lines).toEqual(['warn liquidation alert raised p1', 'warn liquidation alert raised p2']);
  });
});
