// Makes what a secured Lucent bus needs in one directory: NKey users per role, the role permissions, a nats-server config, and (for a trial) TLS material.
// Needs the built packages (`npm run build`). See docs/security.md.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { renderPermissions, renderServerConfig } from '@lucent/nats';
import { makeRoleUsers, makeTlsMaterial, shippedPermissionsTemplate } from '../../packages/nats/dist/testing/natsSecurity.js';

const usage = `usage: node deploy/nats/render.mjs --out DIR --shards ID,ID,... [--prefix P] [--tls-hosts HOST,HOST,...] [--jetstream DIR]
  --out DIR        where to write keys/, permissions.conf, nats-server.conf (and tls/)
  --shards IDS     the shard ids, one NKey user each (a shard may only serve its own subjects)
  --prefix P       the cluster's subject prefix (default lucent)
  --tls-hosts H    make a CA, a server certificate for these IPs/names and a client certificate
                   (trial use; bring your own PKI in production and pass its files to nats-server)
  --jetstream DIR  JetStream store directory (default DIR/jetstream)`;

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    shards: { type: 'string' },
    prefix: { type: 'string', default: 'lucent' },
    'tls-hosts': { type: 'string' },
    jetstream: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help || values.out === undefined || values.shards === undefined) {
  process.stderr.write(`${usage}\n`);
  process.exit(values.help ? 0 : 2);
}
const out = resolve(values.out);
const list = (s) => s.split(',').map((x) => x.trim()).filter((x) => x !== '');
await mkdir(out, { recursive: true });

const users = await makeRoleUsers(join(out, 'keys'), list(values.shards));
const permissions = renderPermissions(await readFile(shippedPermissionsTemplate, 'utf8'), { prefix: values.prefix, users: users.all });
await writeFile(join(out, 'permissions.conf'), permissions);
const tls = values['tls-hosts'] === undefined ? undefined : await makeTlsMaterial(join(out, 'tls'), list(values['tls-hosts']));
const config = renderServerConfig({
  permissions,
  jetStream: { storeDir: resolve(values.jetstream ?? join(out, 'jetstream')) },
  ...(tls === undefined ? {} : { tls: { ...tls.server, caFile: tls.caFile } }),
});
await writeFile(join(out, 'nats-server.conf'), config);

const lines = [`wrote ${join(out, 'nats-server.conf')} and ${join(out, 'permissions.conf')}`];
for (const u of users.all) lines.push(`  ${u.role.padEnd(8)} ${(u.shard ?? '').padEnd(12)} ${u.nkey}  seed: ${u.seedFile}`);
if (tls !== undefined) lines.push(`  TLS: CA ${tls.caFile}, client ${tls.clients['lucent'].certFile} / ${tls.clients['lucent'].keyFile}`);
process.stdout.write(`${lines.join('\n')}\n`);
