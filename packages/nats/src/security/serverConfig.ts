// The server side of a secured bus: Lucent's role permissions (deploy/nats/permissions.conf.template) rendered for a cluster's users, and a nats-server config around them.
import { nkeys } from 'nats';
import { chaosBucketFor } from '../chaos/kvChaos.js';
import { limitsBucketFor } from '../rateLimits/kvRateLimits.js';
import { bundleBucketFor, registryBucketFor } from '../shard/clusterBuckets.js';
import { NatsSecurityError } from './connectionSecurity.js';

/** `operator` writes the registry, chaos, rate limits and bundles; `caller` requests shards and reads; `shard` answers its own subjects. */
export type NatsRole = 'operator' | 'caller' | 'shard';

/** A user of the bus as the server knows it: a role and an NKey public key (`U…`); a shard user also names its shard. */
export interface NatsRoleUser {
  readonly role: NatsRole;
  readonly nkey: string;
  /** The shard id this user may serve (role `shard` only). */
  readonly shard?: string;
}

/** A user with its seed, as `createRoleUser` makes it: give the seed (in a file) to the process, the public key to the server. */
export interface NatsRoleIdentity extends NatsRoleUser {
  readonly seed: string;
}

export interface PermissionsInput {
  /** The cluster's subject prefix (`lucent` by default); the bucket names follow from it unless given. */
  readonly prefix?: string;
  readonly users: readonly NatsRoleUser[];
  readonly buckets?: { readonly registry?: string; readonly chaos?: string; readonly limits?: string; readonly bundles?: string };
}

const roles: readonly NatsRole[] = ['operator', 'caller', 'shard'];
const subjectPrefix = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const shardId = /^[A-Za-z0-9_-]+$/;
const bucketName = /^[A-Za-z0-9_-]+$/;
const publicUserKey = /^U[A-Z2-7]{55}$/;

/** A fresh NKey user for a role (and a shard id, for a shard). */
export function createRoleUser(role: NatsRole, shard?: string): NatsRoleIdentity {
  const pair = nkeys.createUser();
  const seed = new TextDecoder().decode(pair.getSeed());
  return { role, nkey: pair.getPublicKey(), seed, ...(shard === undefined ? {} : { shard }) };
}

function checkUser(u: NatsRoleUser, i: number): void {
  const at = `users[${i}]`;
  if (!roles.includes(u.role)) throw new NatsSecurityError(`${at}.role`, `is "${String(u.role)}"; expected one of ${roles.join(', ')}`);
  if (!publicUserKey.test(u.nkey)) throw new NatsSecurityError(`${at}.nkey`, 'is not an NKey user public key (U followed by 55 base32 characters)');
  if (u.role === 'shard' && (u.shard === undefined || !shardId.test(u.shard))) {
    throw new NatsSecurityError(`${at}.shard`, 'must be the shard id (letters, digits, - and _) of a shard user');
  }
  if (u.role !== 'shard' && u.shard !== undefined) throw new NatsSecurityError(`${at}.shard`, `is only for shard users, not ${u.role}`);
}

const fill = (text: string, values: Readonly<Record<string, string>>): string =>
  text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new NatsSecurityError('template', `uses {{${name}}}, which is not set here`);
    return value;
  });

/**
 * The template with its `#@each ROLE … #@end ROLE` blocks written once per user of the role and
 * the placeholders filled in: an `accounts` block for a nats-server config (or an `include`d file).
 */
export function renderPermissions(template: string, input: PermissionsInput): string {
  const prefix = input.prefix ?? 'lucent';
  if (!subjectPrefix.test(prefix)) throw new NatsSecurityError('prefix', 'must be subject tokens without spaces or wildcards');
  const buckets = {
    registry: input.buckets?.registry ?? registryBucketFor(prefix),
    chaos: input.buckets?.chaos ?? chaosBucketFor(prefix),
    limits: input.buckets?.limits ?? limitsBucketFor(prefix),
    bundles: input.buckets?.bundles ?? bundleBucketFor(prefix),
  };
  for (const [name, bucket] of Object.entries(buckets)) {
    if (!bucketName.test(bucket)) throw new NatsSecurityError(`buckets.${name}`, 'must be letters, digits, - and _');
  }
  input.users.forEach(checkUser);
  const shards = input.users.filter((u) => u.role === 'shard').map((u) => u.shard!);
  const twice = shards.find((s, i) => shards.indexOf(s) !== i);
  if (twice !== undefined) throw new NatsSecurityError('users', `list shard ${twice} twice: each shard id has one user`);
  const common = { prefix, ...buckets };
  // The template's opening comment explains its placeholders; the rendered file says what it was made from instead.
  const rules = template.replace(/^((?!#@)#[^\n]*\n|[ \t]*\n)*/, '');
  const blocks = /^#@each (\w+)\n([\s\S]*?)^#@end \1\n/gm;
  const expanded = rules.replace(blocks, (_whole, role: string, body: string) => {
    if (!roles.includes(role as NatsRole)) throw new NatsSecurityError('template', `has a block for an unknown role ${role}`);
    return input.users
      .filter((u) => u.role === role)
      .map((u) => fill(body, { ...common, nkey: u.nkey, shard: u.shard ?? '' }))
      .join('');
  });
  if (/^#@(each|end)\b/m.test(expanded)) throw new NatsSecurityError('template', 'has an #@each block without its matching #@end');
  const header = `# Lucent role permissions for subject prefix ${prefix} (from deploy/nats/permissions.conf.template)\n`;
  return header + fill(expanded, common);
}

/** Server TLS: its certificate for the addresses clients dial, and the CA clients' certificates are checked against. */
export interface ServerTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** Require a client certificate signed by the CA (mutual TLS); default true. */
  readonly verify?: boolean;
}

export interface ServerConfigInput {
  /** The rendered permissions (`renderPermissions`), written inline. */
  readonly permissions: string;
  /** Unique per server of a cluster (JetStream needs it). */
  readonly serverName?: string;
  /** `host:port` clients connect to; nats-server's own default when absent (the command line's -a/-p win anyway). */
  readonly listen?: string;
  readonly jetStream?: { readonly storeDir: string; readonly maxMemory?: string; readonly maxFile?: string };
  readonly tls?: ServerTlsFiles;
  /** Routes between the servers of a cluster: over TLS with the same files when `tls` is set (the certificate must also allow clientAuth). */
  readonly cluster?: { readonly name: string; readonly listen: string; readonly routes: readonly string[] };
  /** HTTP monitoring port (varz, connz, jsz), on the listen host. */
  readonly httpPort?: number;
}

const quoted = (s: string): string => JSON.stringify(s);

function tlsBlock(tls: ServerTlsFiles, indent: string, verify: boolean): string {
  return [
    `${indent}tls {`,
    `${indent}  cert_file: ${quoted(tls.certFile)}`,
    `${indent}  key_file: ${quoted(tls.keyFile)}`,
    `${indent}  ca_file: ${quoted(tls.caFile)}`,
    `${indent}  verify: ${verify}`,
    `${indent}  timeout: 2`,
    `${indent}}`,
  ].join('\n');
}

/** A whole nats-server config: listen, JetStream, TLS (clients must use it), cluster routes, and the permissions. */
export function renderServerConfig(input: ServerConfigInput): string {
  const lines: string[] = ['# Rendered by @lucent/nats renderServerConfig: a Lucent bus with TLS and role permissions.'];
  if (input.serverName !== undefined) lines.push(`server_name: ${quoted(input.serverName)}`);
  if (input.listen !== undefined) lines.push(`listen: ${quoted(input.listen)}`);
  if (input.httpPort !== undefined) lines.push(`http_port: ${input.httpPort}`);
  if (input.jetStream !== undefined) {
    const js = input.jetStream;
    lines.push('jetstream {', `  store_dir: ${quoted(js.storeDir)}`);
    if (js.maxMemory !== undefined) lines.push(`  max_memory_store: ${js.maxMemory}`);
    if (js.maxFile !== undefined) lines.push(`  max_file_store: ${js.maxFile}`);
    lines.push('}');
  }
  if (input.tls !== undefined) lines.push(tlsBlock(input.tls, '', input.tls.verify ?? true));
  if (input.cluster !== undefined) {
    const c = input.cluster;
    lines.push('cluster {', `  name: ${quoted(c.name)}`, `  listen: ${quoted(c.listen)}`);
    // Routes dial each other as clients of TLS: always verified both ways.
    if (input.tls !== undefined) lines.push(tlsBlock(input.tls, '  ', true));
    lines.push(`  routes: [${c.routes.map(quoted).join(', ')}]`, '}');
  }
  lines.push(input.permissions);
  return `${lines.join('\n')}\n`;
}
