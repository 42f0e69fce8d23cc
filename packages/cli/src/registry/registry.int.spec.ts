// `lucent registry` as an operator runs it: the built CLI against real NATS KV (audit in PostgreSQL) and against the admin HTTP API.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryAdmin } from '@lucent/runtime';
import { KvRegistryStore } from '@lucent/nats';
import { createPostgresEventStore } from '@lucent/postgres';
import { LucentAdminModule } from '@lucent/nestjs';
import { buildCli, lucent } from '../testing/runBuiltCli.js';

const natsUrl = 'nats://127.0.0.1:4222';
const pgUrl = 'postgres://postgres@127.0.0.1:5432/test';
const tag = randomUUID().slice(0, 8);
const bucket = `lucent-registry-cli-${tag}`;
const schema = `registry_cli_${tag}`;
const fn = 'pricing.quote';
const fp = (t: string) => ({ input: `sha256:${t}-in`, output: `sha256:${t}-out` });
const secret = 'registry-cli-test-secret-long-enough-for-hs256';

describe('lucent registry (built CLI)', () => {
  let nc: NatsConnection;
  let store: KvRegistryStore;
  let events: Awaited<ReturnType<typeof createPostgresEventStore>>;
  const viaNats = ['--nats', natsUrl, '--bucket', bucket, '--database', pgUrl, '--schema', schema, '--who', 'ops-cli'];

  beforeAll(async () => {
    await buildCli();
    nc = await connect({ servers: natsUrl });
    events = await createPostgresEventStore({ connectionString: pgUrl, schema });
    store = await KvRegistryStore.open({ connection: nc, bucket, eventStore: events });
    const admin = new RegistryAdmin(store);
    for (const [version, contract] of [['1.0.0', 'a'], ['2.0.0', 'a'], ['3.0.0', 'b']] as const) {
      await admin.register(fn, { version, fingerprint: fp(contract) }, { who: 'setup', why: 'seed' });
    }
  }, 240_000);

  afterAll(async () => {
    await store?.close();
    await events?.close();
    await (await nc?.jetstreamManager())?.streams.delete(`KV_${bucket}`).catch(() => undefined);
    await nc?.drain();
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  const rules = async () => (await store.get(fn))!;

  describe('against NATS KV', () => {
    it('lists and shows functions', async () => {
      const list = await lucent(['registry', 'list', ...viaNats]);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toMatch(/FUNCTION\s+STATE\s+ACTIVE/);
      expect(list.stdout).toMatch(new RegExp(`${fn.replace('.', '\\.')}\\s+enabled\\s+1\\.0\\.0\\s+1\\.0\\.0=100`));
      const show = await lucent(['registry', 'show', fn, ...viaNats, '--json']);
      expect(show.code, show.stderr).toBe(0);
      expect(Object.keys((JSON.parse(show.stdout) as { rules: { versions: object } }).rules.versions).sort()).toEqual(['1.0.0', '2.0.0', '3.0.0']);
    });

    it('disables and re-enables a function (kill switch)', async () => {
      const off = await lucent(['registry', 'disable', fn, '--reason', 'incident 7', ...viaNats]);
      expect(off.code, off.stderr).toBe(0);
      expect(off.stdout).toContain('state:         DISABLED');
      expect((await rules()).rules.enabled).toBe(false);
      const on = await lucent(['registry', 'enable', fn, ...viaNats]);
      expect(on.code, on.stderr).toBe(0);
      expect((await rules()).rules.enabled).toBe(true);
    });

    it('sets weights, shadow and jurisdictions', async () => {
      expect((await lucent(['registry', 'weights', fn, '1.0.0=90', '2.0.0=10', ...viaNats])).code).toBe(0);
      expect((await rules()).rules.weights).toEqual({ '2.0.0': 10 });
      const bad = await lucent(['registry', 'weights', fn, '1.0.0=90', '2.0.0=20', ...viaNats]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('VALIDATION_FAILED');
      expect((await lucent(['registry', 'shadow', fn, '2.0.0', ...viaNats])).code).toBe(0);
      expect((await rules()).rules.shadow).toBe('2.0.0');
      expect((await lucent(['registry', 'shadow', fn, 'off', ...viaNats])).code).toBe(0);
      expect((await rules()).rules.shadow).toBeUndefined();
      const j = await lucent(['registry', 'jurisdictions', fn, '--allow', 'us,DE', '--deny', 'FR', ...viaNats]);
      expect(j.code, j.stderr).toBe(0);
      expect((await rules()).rules.jurisdictions).toEqual({ allow: ['US', 'DE'], deny: ['FR'] });
    });

    it('refuses an incompatible activation with a typed error and exit code 5; --force needs --reason', async () => {
      const before = await rules();
      const refused = await lucent(['registry', 'activate', fn, '3.0.0', ...viaNats]);
      expect(refused.code).toBe(5);
      expect(refused.stderr).toContain('CONTRACT_INCOMPATIBLE');
      const noReason = await lucent(['registry', 'activate', fn, '3.0.0', '--force', ...viaNats]);
      expect(noReason.code).toBe(2);
      expect((await rules()).revision).toBe(before.revision);
      const forced = await lucent(['registry', 'activate', fn, '3.0.0', '--force', '--reason', 'contract change agreed', ...viaNats]);
      expect(forced.code, forced.stderr).toBe(0);
      expect((await rules()).rules.active).toBe('3.0.0');
    });

    it('answers an unknown function with FUNCTION_NOT_FOUND and exit code 3, a bad call with usage and 2', async () => {
      const missing = await lucent(['registry', 'show', 'pricing.nothing', ...viaNats]);
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain('FUNCTION_NOT_FOUND');
      expect((await lucent(['registry', 'frobnicate', fn, ...viaNats])).code).toBe(2);
      expect((await lucent(['registry', 'list'])).code).toBe(2);
    });

    it('shows the audited history: who, why, what changed', async () => {
      const history = await lucent(['registry', 'history', fn, ...viaNats]);
      expect(history.code, history.stderr).toBe(0);
      expect(history.stdout).toMatch(/ops-cli: disabled — incident 7/);
      expect(history.stdout).toMatch(/ops-cli \(forced\): active 1\.0\.0 → 3\.0\.0 — contract change agreed/);
    });
  });

  describe('against the admin HTTP API', () => {
    let app: NestFastifyApplication;
    let base: string;
    const token = (roles: string[], sub: string) =>
      new SignJWT({ roles }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('5m').sign(new TextEncoder().encode(secret));

    beforeAll(async () => {
      app = await NestFactory.create<NestFastifyApplication>(LucentAdminModule.forRoot({ registry: store, auth: { secret } }), new FastifyAdapter(), {
        logger: false,
      });
      await app.listen(0, '127.0.0.1');
      base = await app.getUrl();
    });
    afterAll(async () => {
      await app?.close();
    });

    it('refuses a normal user (exit 4, FORBIDDEN) and a bad token (UNAUTHORIZED); nothing changes', async () => {
      const before = await rules();
      const user = await lucent(['registry', 'disable', fn, '--admin', base, '--token', await token(['trader'], 'bob')]);
      expect(user.code).toBe(4);
      expect(user.stderr).toContain('FORBIDDEN');
      const forged = await lucent(['registry', 'disable', fn, '--admin', base, '--token', 'not.a.jwt']);
      expect(forged.code).toBe(4);
      expect(forged.stderr).toContain('UNAUTHORIZED');
      expect(await rules()).toEqual(before);
    });

    it('applies an admin change, recorded under the token subject', async () => {
      const done = await lucent(['registry', 'disable', fn, '--reason', 'maintenance', '--admin', base, '--token', await token(['admin'], 'alice')]);
      expect(done.code, done.stderr).toBe(0);
      expect((await rules()).rules.enabled).toBe(false);
      const [last] = await store.history(fn, { direction: 'backwards', maxCount: 1 });
      expect(last).toMatchObject({ who: 'alice', why: 'maintenance' });
      const list = await lucent(['registry', 'list', '--admin', base, '--token', await token(['admin'], 'alice')]);
      expect(list.stdout).toMatch(/DISABLED/);
    });
  });
});
