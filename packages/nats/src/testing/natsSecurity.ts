// Test kit for a secured bus: TLS material made with the machine's openssl, NKey users per role written to seed files, and the shipped permissions rendered for them.
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRoleUser, renderPermissions, type NatsRoleIdentity, type PermissionsInput } from '../security/serverConfig.js';

export { renderPermissions, renderServerConfig, type ServerConfigInput, type NatsRoleUser } from '../security/serverConfig.js';

const run = promisify(execFile);

/** The permissions file deployments use: tests render this very file, never a copy of its rules. */
export const shippedPermissionsTemplate = fileURLToPath(new URL('../../../../deploy/nats/permissions.conf.template', import.meta.url));

export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TlsMaterial {
  /** The CA that signed everything below: give it to clients (LUCENT_NATS_TLS_CA) and servers (ca_file). */
  readonly caFile: string;
  /** The servers' certificate, for every host given; usable by routes too (serverAuth and clientAuth). */
  readonly server: CertificateFiles;
  /** Client certificates by name (LUCENT_NATS_TLS_CERT / LUCENT_NATS_TLS_KEY). */
  readonly clients: Readonly<Record<string, CertificateFiles>>;
}

const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * A CA, one server certificate whose subjectAltName lists every host (IP addresses such as
 * 127.0.0.1 or 10.77.0.11, and DNS names), always with localhost, and one client certificate per name,
 * all under `dir` (created if missing). P-256 keys, valid two days: made for a test run.
 */
export async function makeTlsMaterial(dir: string, hosts: readonly string[], clientNames: readonly string[] = ['lucent']): Promise<TlsMaterial> {
  if (hosts.length === 0) throw new TypeError('makeTlsMaterial needs at least one host for the server certificate');
  await mkdir(dir, { recursive: true });
  const at = (name: string): string => join(dir, name);
  await run('openssl', [
    'req', '-x509', ...ec, '-days', '2', '-subj', '/CN=Lucent test CA',
    '-keyout', at('ca-key.pem'), '-out', at('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const sign = async (name: string, subject: string, extensions: string): Promise<CertificateFiles> => {
    const files = { certFile: at(`${name}.pem`), keyFile: at(`${name}-key.pem`) };
    await run('openssl', ['req', ...ec, '-subj', subject, '-keyout', files.keyFile, '-out', at(`${name}.csr`)]);
    await writeFile(at(`${name}.ext`), extensions);
    await run('openssl', [
      'x509', '-req', '-in', at(`${name}.csr`), '-CA', at('ca.pem'), '-CAkey', at('ca-key.pem'), '-set_serial', `0x${Date.now().toString(16)}${name.length}`,
      '-days', '2', '-extfile', at(`${name}.ext`), '-out', files.certFile,
    ]);
    await chmod(files.keyFile, 0o600);
    return files;
  };
  // nats.js (2.29) upgrades to TLS with no servername when the URL holds an IP address, and Node then checks the
  // certificate against "localhost": without that name, nats://10.77.0.11:4222 is refused however the IP SANs read.
  const names = hosts.includes('localhost') ? hosts : [...hosts, 'localhost'];
  const san = names.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const server = await sign('server', '/CN=nats', `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${san}\n`);
  const clients: Record<string, CertificateFiles> = {};
  for (const name of clientNames) {
    clients[name] = await sign(`client-${name}`, `/CN=${name}`, 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n');
  }
  return { caFile: at('ca.pem'), server, clients };
}

/** A role user with the file holding its seed (LUCENT_NATS_NKEY_SEED). */
export interface RoleUserFile extends NatsRoleIdentity {
  readonly seedFile: string;
}

export interface RoleUsers {
  readonly operator: RoleUserFile;
  readonly caller: RoleUserFile;
  /** One user per shard id. */
  readonly shards: Readonly<Record<string, RoleUserFile>>;
  /** Everyone, for `renderPermissions({ users })`. */
  readonly all: readonly RoleUserFile[];
}

/** Fresh NKey users: one operator, one caller and one per shard id, their seeds written to `dir` (mode 600). */
export async function makeRoleUsers(dir: string, shardIds: readonly string[]): Promise<RoleUsers> {
  await mkdir(dir, { recursive: true });
  const save = async (user: NatsRoleIdentity, name: string): Promise<RoleUserFile> => {
    const seedFile = join(dir, `${name}.nk`);
    await writeFile(seedFile, `${user.seed}\n`, { mode: 0o600 });
    return { ...user, seedFile };
  };
  const operator = await save(createRoleUser('operator'), 'operator');
  const caller = await save(createRoleUser('caller'), 'caller');
  const shards: Record<string, RoleUserFile> = {};
  for (const id of shardIds) shards[id] = await save(createRoleUser('shard', id), `shard-${id}`);
  return { operator, caller, shards, all: [operator, caller, ...Object.values(shards)] };
}

/** The shipped template (deploy/nats/permissions.conf.template) rendered for these users. */
export async function renderShippedPermissions(input: PermissionsInput): Promise<string> {
  return renderPermissions(await readFile(shippedPermissionsTemplate, 'utf8'), input);
}
