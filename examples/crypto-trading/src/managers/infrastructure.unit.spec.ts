// The service's infrastructure: events and timers in one embedded database on disk, and a close that runs once, in order.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openInfrastructure } from './infrastructure.js';

const dataDir = mkdtempSync(join(tmpdir(), 'lucent-infra-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('service infrastructure on the embedded default', () => {
  it('keeps events and timers in one PGlite database under <dataDir>/db, and closes each adopted part once, newest first, before the stores', async () => {
    const infra = await openInfrastructure({ dataDir });
    expect(infra.description).toEqual({ database: 'pglite-disk', projections: 'memory' });
    infra.scheduler.handle('test.noop', () => Promise.resolve());
    await infra.events.append('infra-test', [{ type: 'Noted', data: { n: 1 } }]);
    await infra.scheduler.schedule({ id: 'infra-test-timer', handler: 'test.noop', delayMs: 3_600_000 });
    infra.start();

    const closes: string[] = [];
    const part = (name: string) => ({
      close: async () => {
        // The stores are still open for a part's last writes.
        closes.push(`${name}:${await infra.events.streamVersion('infra-test')}`);
      },
    });
    infra.adopt(part('first'));
    infra.adopt(part('second'));
    await Promise.all([infra.close(), infra.close()]);
    await infra.close();
    expect(closes).toEqual(['second:1', 'first:1']);
    // One database directory; no per-store ones.
    expect(readdirSync(dataDir)).toEqual(['db']);

    const reopened = await openInfrastructure({ dataDir });
    try {
      expect((await reopened.events.readStream('infra-test')).map((e) => e.data)).toEqual([{ n: 1 }]);
      expect(await reopened.scheduler.get('infra-test-timer')).toMatchObject({ state: 'pending', handler: 'test.noop' });
    } finally {
      await reopened.close();
    }
  }, 60_000);
});
