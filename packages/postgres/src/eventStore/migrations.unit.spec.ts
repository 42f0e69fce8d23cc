// The event store's migrations are frozen once released: databases record the versions they applied, not the SQL, so a changed step would never reach them.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventStoreMigrations, latestMigration } from './migrations.js';

/** sha256 of each step's SQL for schema `lucent`, as released. A new schema change is a new step, never an edit here. */
const released: Record<number, string> = {
  1: 'bed0451531056842161dea242dc4022322761c6ced8c6b37dc11f922934f234f',
  2: 'eac80583cf9206c1ac01e12b8dbecefdbd7a44fd8e18a4359f02193a774e79fc',
  3: '7a6a764aeaf2b4b2678322fac18428ed440f24e75ca7717ce7e26cb6a2da7b0e',
  4: 'd7741747eb29c0df24be11805f7ff07c2e7abd455d2276e80007b18f53032aff',
  5: '1adde1b90e5c937e4bfa99f76ab485b40745eb178fbbd631b2b9c7e8e11c4876',
  6: 'ea67beace6a8d84cdb5ad05d494a2692e7e479ebb1a8c541e8c1b5ecb01aeff3',
  7: 'abdf57580d4a88790c5a546c3cc75836679b46b06609073f0afea53526bce80f',
  8: 'f032e9cbabe77134620c980dfe3fe6c9cb3eb894933a3595a3278cf175adfd26',
  9: '11d8635fd21ee65f34fe22abf825d7eb601d3f92be36809d99122f10106b9adf',
};

describe('event store migrations', () => {
  it('are numbered 1, 2, 3, … in the order they apply', () => {
    expect(eventStoreMigrations.map((m) => m.version)).toEqual(eventStoreMigrations.map((_, i) => i + 1));
    expect(latestMigration).toBe(eventStoreMigrations.length);
  });

  it('keep the SQL of every released step byte for byte', () => {
    for (const m of eventStoreMigrations) {
      const sql = m.sql('lucent');
      if (released[m.version] === undefined) continue; // a step added since: pin it here once released
      expect({ version: m.version, sha256: createHash('sha256').update(sql).digest('hex') }).toEqual({ version: m.version, sha256: released[m.version] });
    }
    expect(Object.keys(released).map(Number).every((v) => eventStoreMigrations.some((m) => m.version === v))).toBe(true);
  });

  it('splice the schema name into every statement they touch', () => {
    for (const m of eventStoreMigrations) expect(m.sql('tenant_a')).not.toContain('lucent.lucent_');
    expect(eventStoreMigrations[0]?.sql('tenant_a')).toContain('CREATE TABLE tenant_a.lucent_streams');
  });
});
