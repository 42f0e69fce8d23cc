// Every `lucent` subcommand, by name: the line `lucent --help` lists it with, and its module, loaded only
// when the command runs or shows its usage. A run loads what its own command needs (NATS, PostgreSQL,
// esbuild, tsx, NestJS) and nothing of the others'; `lucent --help` loads none. Add a command with one entry here.
import type { CommandEntry } from './command.js';

export const commands: Record<string, CommandEntry> = {
  generate: {
    describe: 'scan src/domain for functions; write src/registry/functionRegistry.ts and function-manifest.json',
    load: async () => (await import('./generate.js')).generateCommand,
  },
  publish: {
    describe: 'bundle a function module (esbuild), sign it (ed25519), store it and wait for the shards to load it',
    load: async () => (await import('./publish.js')).publishCommand,
  },
  keygen: {
    describe: 'create an ed25519 signing key pair for `lucent publish` (private key 0600, public key for the nodes)',
    load: async () => (await import('./keygen.js')).keygenCommand,
  },
  registry: {
    describe: 'inspect and change the function registry (versions, weights, shadow, kill switch, jurisdictions, routes, bundles)',
    load: async () => (await import('./registry.js')).registryCommand,
  },
  simulate: {
    describe: 'simulate routing policies (one slow shard, or 100 shards and 10,000 callers against the floor): [--scenario slow-shard|scale] [--seed S] [--json] …',
    load: async () => (await import('./simulate.js')).simulateCommand,
  },
  shard: {
    describe: 'run one shard on NATS: --config file.json [--id ID] [--tags a,b] [--nats URL] [--database URL] [--metrics-port N] …',
    load: async () => (await import('./shard.js')).shardCommand,
  },
  cluster: {
    describe: 'start N shard processes of the example and show live load: --shards 3 --nats URL [--config file] [--duration s]',
    load: async () => (await import('./cluster.js')).clusterCommand,
  },
  replay: {
    describe: "replay a stream's recorded decisions and compare the events: <stream>... --module M (--pg URL | --data-dir DIR) [--version V] [--json]",
    load: async () => (await import('./replay.js')).replayCommand,
  },
  chaos: {
    describe: 'inject faults at run time (latency, errors, timeouts, dropped replies, unreachable dependencies): set, clear, show',
    load: async () => (await import('./chaos.js')).chaosCommand,
  },
  limits: {
    describe: 'rate limits per user and per function, changed at run time on every gateway: set, unset, clear, show',
    load: async () => (await import('./limits.js')).limitsCommand,
  },
  sagas: {
    describe: "list sagas by state and type, or show one saga's timeline: list [--state S] | show ID (--pg URL | --data-dir DIR)",
    load: async () => (await import('./sagas.js')).sagasCommand,
  },
  token: {
    describe: 'sign an HS256 bearer token for the service (LUCENT_AUTH_SECRET): sign in to the console, call the admin API',
    load: async () => (await import('./token.js')).tokenCommand,
  },
  console: {
    describe: 'serve the operator console for a cluster: --nats URL --database URL [--port N]',
    load: async () => (await import('./console.js')).consoleCommand,
  },
};
