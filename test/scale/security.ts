// The scale topology's secured bus: TLS on every client connection and route, NKey users per role with the shipped permissions; and the check that a client without rights is refused.
import path from 'node:path';
import type { NatsConnection, NatsError } from 'nats';
import { RegistryAdmin } from '@lucent/runtime';
import { callSubject, chaosBucketFor, connectNats, KvChaos, KvRegistryStore, registryBucketFor, setShardChaos, NatsTransport } from '@lucent/nats';
import { makeRoleUsers, makeTlsMaterial, renderServerConfig, renderShippedPermissions, type RoleUsers, type TlsMaterial } from '../../packages/nats/src/testing/natsSecurity.js';
import { shardSpecs, subjectPrefix, operatorNats } from './lucent.js';
import { hosts } from './network.js';
import { natsUrlsPreferring, type BusSecurity, type NatsServerLayout } from './servers.js';

/** The secured bus with what the refusal check connects as. */
export interface SecuredBus extends BusSecurity {
  readonly users: RoleUsers;
  readonly tls: TlsMaterial;
}

/** TLS material for the servers' addresses (and 127.0.0.1, where a shard's link relay listens), and one NKey user per role and shard. */
export async function securedBus(dir: string): Promise<SecuredBus> {
  const addresses = [hosts.nats1, hosts.nats2, hosts.nats3].map((h) => h.address);
  const tls = await makeTlsMaterial(path.join(dir, 'tls'), [...addresses, '127.0.0.1'], ['client']);
  const users = await makeRoleUsers(path.join(dir, 'keys'), shardSpecs.map((s) => s.id));
  const permissions = await renderShippedPermissions({ prefix: subjectPrefix, users: users.all });
  const tlsEnv = { LUCENT_NATS_TLS_CA: tls.caFile, LUCENT_NATS_TLS_CERT: tls.clients['client']!.certFile, LUCENT_NATS_TLS_KEY: tls.clients['client']!.keyFile };
  return {
    description: `TLS (mutual) on clients and routes; NKey users: operator, caller (the gateway), one per shard; deploy/nats/permissions.conf.template`,
    serverConfig: (layout: NatsServerLayout) =>
      renderServerConfig({
        permissions,
        serverName: layout.serverName,
        listen: layout.listen,
        httpPort: layout.httpPort,
        jetStream: { storeDir: layout.storeDir, maxMemory: '64MB', maxFile: '1GB' },
        tls: { ...tls.server, caFile: tls.caFile, verify: true },
        cluster: layout.cluster,
      }),
    clientEnv: (role) => {
      const user = role === 'gateway' ? users.caller : role === 'operator' ? users.operator : users.shards[role.shard];
      if (user === undefined) throw new Error(`no NATS user for ${JSON.stringify(role)}`);
      return { ...tlsEnv, LUCENT_NATS_NKEY_SEED: user.seedFile };
    },
    users,
    tls,
  };
}

const isPermissionError = (e: unknown): boolean => {
  const text = `${String(e)} ${String((e as { cause?: unknown } | undefined)?.cause)} ${(e as NatsError | undefined)?.code ?? ''} ${(e as { cause?: NatsError } | undefined)?.cause?.code ?? ''}`;
  return /PERMISSIONS_VIOLATION|Permissions Violation|AUTHORIZATION_VIOLATION|Authorization Violation/i.test(text);
};

/** Subscribing where the server does not allow it: nats.js closes the subscription with the server's refusal. */
function subscribeRefused(nc: NatsConnection, subject: string): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => (sub.unsubscribe(), resolve(false)), 3_000);
    const sub = nc.subscribe(subject, {
      callback: (err) => {
        if (err) {
          clearTimeout(timer);
          resolve(isPermissionError(err));
        }
      },
    });
  });
}

/**
 * What a client without rights meets on the secured topology, each a row of evidence: no credentials
 * (refused at connect), the caller role (the gateway's: registry writes, chaos writes and controls,
 * listening on a shard subject refused), a shard's key on another shard's subject (refused).
 */
export async function unprivilegedRefused(security: SecuredBus, operator: NatsConnection): Promise<{ checks: Record<string, boolean>; notes: string[] }> {
  const { users, tls } = security;
  const url = natsUrlsPreferring(operatorNats);
  const tlsFiles = { caFile: tls.caFile, ...tls.clients['client']! };
  const checks: Record<string, boolean> = {};
  const opened: NatsConnection[] = [];
  try {
    checks['no credentials: refused at connect'] = await connectNats({ url, name: 'scale-nobody', env: {}, tls: tlsFiles }).then(
      (nc) => (opened.push(nc), false),
      isPermissionError,
    );
    checks['no TLS: refused'] = await connectNats({ url, name: 'scale-plain', env: {}, nkeySeedFile: users.caller.seedFile, tls: false }).then(
      (nc) => (opened.push(nc), false),
      () => true,
    );
    const caller = await connectNats({ url, name: 'scale-unprivileged', env: {}, nkeySeedFile: users.caller.seedFile, tls: tlsFiles });
    opened.push(caller);
    const registry = await KvRegistryStore.open({ connection: caller, bucket: registryBucketFor(subjectPrefix), bindOnly: true });
    const before = await registry!.get('arbitrage.triangular');
    const write = await new RegistryAdmin(registry!).disable('arbitrage.triangular', { who: 'unprivileged', why: 'test:scale security check' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await registry!.close();
    const operatorView = await KvRegistryStore.open({ connection: operator, bucket: registryBucketFor(subjectPrefix), bindOnly: true });
    const after = await operatorView!.get('arbitrage.triangular');
    await operatorView!.close();
    checks['registry write refused, nothing changed'] = write !== undefined && isPermissionError(write) && after?.revision === before?.revision;
    const chaos = await KvChaos.open({ connection: caller, bucket: chaosBucketFor(subjectPrefix), bindOnly: true });
    checks['chaos document write refused'] = await chaos!.put({ shards: { shard1: { unreachable: true } } }).then(() => false, isPermissionError);
    chaos!.close();
    checks['chaos control to a shard refused'] = await setShardChaos(new NatsTransport({ connection: caller, subjectPrefix }), 'shard1', { extraDelayMs: 5_000 }).then(() => false, isPermissionError);
    checks['listening on a shard subject refused'] = await subscribeRefused(caller, callSubject(subjectPrefix, 'shard1'));
    const shard2 = await connectNats({ url, name: 'scale-shard2-key', env: {}, nkeySeedFile: users.shards['shard2']!.seedFile, tls: tlsFiles });
    opened.push(shard2);
    checks["another shard's subject refused to a shard key"] = await subscribeRefused(shard2, callSubject(subjectPrefix, 'shard1'));
  } finally {
    for (const nc of opened) await nc.close().catch(() => undefined);
  }
  const failed = Object.entries(checks).filter(([, ok]) => !ok);
  return { checks, notes: [`${Object.keys(checks).length - failed.length}/${Object.keys(checks).length} refused as they must: ${Object.keys(checks).join('; ')}`, ...failed.map(([name]) => `NOT refused: ${name}`)] };
}
