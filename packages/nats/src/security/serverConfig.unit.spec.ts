// The shipped permissions render once per user with the cluster's names; a bad user, prefix or template is refused naming the field.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { shippedPermissionsTemplate } from '../testing/natsSecurity.js';
import { NatsSecurityError } from './connectionSecurity.js';
import { createRoleUser, renderPermissions, renderServerConfig } from './serverConfig.js';

const template = await readFile(shippedPermissionsTemplate, 'utf8');
const operator = createRoleUser('operator');
const caller = createRoleUser('caller');
const a = createRoleUser('shard', 'a-1');
const b = createRoleUser('shard', 'b-2');

function refused(run: () => unknown): NatsSecurityError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(NatsSecurityError);
    return error as NatsSecurityError;
  }
  throw new Error('expected a NatsSecurityError');
}

describe('renderPermissions', () => {
  const text = renderPermissions(template, { prefix: 'acme.prod', users: [operator, caller, a, b] });

  it('writes one user per identity with its own key, and each shard block names only its shard', () => {
    for (const u of [operator, caller, a, b]) expect(text.split(`nkey: "${u.nkey}"`)).toHaveLength(2);
    expect(text).toContain('"acme.prod.shard.a-1.call", "acme.prod.shard.a-1.chaos", "acme.prod.srv.a-1.>"');
    expect(text).toContain('"acme.prod.shard.b-2.call", "acme.prod.shard.b-2.chaos", "acme.prod.srv.b-2.>"');
    expect(text).not.toMatch(/\{\{|#@each|#@end/);
  });

  it('names the buckets from the prefix as Lucent does', () => {
    expect(text).toContain('"$KV.acme-prod-registry.>", "$KV.acme-prod-chaos.>", "$KV.acme-prod-limits.>", "$O.acme_prod_bundles.>"');
    expect(text).toContain('"$JS.API.DIRECT.GET.KV_acme-prod-registry.>"');
    const custom = renderPermissions(template, { users: [caller], buckets: { registry: 'rules' } });
    expect(custom).toContain('"$JS.API.STREAM.INFO.KV_rules"');
    expect(custom).toContain('"$JS.API.STREAM.INFO.KV_lucent-chaos"');
  });

  it('refuses what would give a user other rights than meant', () => {
    expect(refused(() => renderPermissions(template, { users: [{ role: 'shard', nkey: a.nkey }] })).field).toBe('users[0].shard');
    expect(refused(() => renderPermissions(template, { users: [{ role: 'shard', nkey: a.nkey, shard: '*' }] })).field).toBe('users[0].shard');
    expect(refused(() => renderPermissions(template, { users: [{ role: 'caller', nkey: caller.nkey, shard: 'x' }] })).field).toBe('users[0].shard');
    expect(refused(() => renderPermissions(template, { users: [{ role: 'admin' as 'caller', nkey: caller.nkey }] })).field).toBe('users[0].role');
    expect(refused(() => renderPermissions(template, { users: [{ role: 'caller', nkey: 'SUAB' }] })).field).toBe('users[0].nkey');
    expect(refused(() => renderPermissions(template, { users: [a, { ...b, shard: 'a-1' }] })).message).toContain('shard a-1 twice');
    expect(refused(() => renderPermissions(template, { prefix: 'lucent.>', users: [] })).field).toBe('prefix');
    expect(refused(() => renderPermissions('#@each caller\n{{secret}}\n#@end caller\n', { users: [caller] })).message).toContain('{{secret}}');
    expect(refused(() => renderPermissions('#@each caller\nx\n', { users: [caller] })).field).toBe('template');
  });
});

describe('renderServerConfig', () => {
  it('puts TLS on clients and routes, JetStream and the routes around the permissions', () => {
    const config = renderServerConfig({
      permissions: 'accounts { }',
      serverName: 'n1',
      listen: '10.77.0.11:4222',
      jetStream: { storeDir: '/var/lib/nats', maxFile: '1G' },
      tls: { certFile: '/tls/server.pem', keyFile: '/tls/server-key.pem', caFile: '/tls/ca.pem', verify: false },
      cluster: { name: 'lucent', listen: '10.77.0.11:6222', routes: ['nats-route://10.77.0.12:6222', 'nats-route://10.77.0.13:6222'] },
    });
    expect(config).toContain('server_name: "n1"\nlisten: "10.77.0.11:4222"\njetstream {\n  store_dir: "/var/lib/nats"\n  max_file_store: 1G\n}');
    expect(config).toContain('tls {\n  cert_file: "/tls/server.pem"\n  key_file: "/tls/server-key.pem"\n  ca_file: "/tls/ca.pem"\n  verify: false');
    expect(config).toContain('cluster {\n  name: "lucent"\n  listen: "10.77.0.11:6222"\n  tls {');
    expect(config).toContain('    verify: true');
    expect(config).toContain('routes: ["nats-route://10.77.0.12:6222", "nats-route://10.77.0.13:6222"]');
    expect(config.trimEnd().endsWith('accounts { }')).toBe(true);
  });
});
