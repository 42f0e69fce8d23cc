// `lucent console --nats URL --database URL [--port N]`: the operator console for a cluster, served by a small process of its own (no example service needed).
import { parseCommandArgs, type Command } from './command.js';

const usage = `usage: lucent console --nats URL [--database URL] [--schema S] [--prefix P] [--port N] [--host H]
                      [--static-dir DIR] [--sagas NAMES] [--duration S]
  --nats URL        NATS server of the cluster (default nats://127.0.0.1:4222)
  --database URL    PostgreSQL of the cluster's event store: registry audit history, events, sagas, schedules
  --schema S        its schema (default lucent)
  --prefix P        the cluster's subject prefix (default lucent): registry bucket P-registry
  --port N          HTTP port (default 3100); the console is at http://HOST:N/console
  --host H          interface to listen on (default 127.0.0.1)
  --static-dir DIR  a console build other than @lucent/console's
  --sagas NAMES     saga runner names to list, comma-separated (e.g. aave-deposit)
  --duration S      stop after S seconds (default: until Ctrl-C)
Auth as the service has it: LUCENT_AUTH_SECRET (HS256) or LUCENT_AUTH_PUBLIC_KEY (PEM) in the environment turns
tokens on and mounts the admin API (/admin/registry, role admin); without either the console is open and read-only.
exit codes: 0 stopped, 1 failed, 2 bad flags`;

export const consoleCommand: Command = {
  usage,
  async run(argv) {
    const parsed = parseCommandArgs(
      'console',
      argv,
      {
        nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
        database: { type: 'string' },
        schema: { type: 'string' },
        prefix: { type: 'string', default: 'lucent' },
        port: { type: 'string', default: '3100' },
        host: { type: 'string', default: '127.0.0.1' },
        'static-dir': { type: 'string' },
        sagas: { type: 'string' },
        duration: { type: 'string' },
      },
      usage,
    );
    if (parsed === undefined) return 2;
    const { values } = parsed;
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      console.error(`lucent console: --port must be a whole number from 0 to 65535\n${usage}`);
      return 2;
    }
    const duration = values.duration === undefined ? undefined : Number(values.duration);
    if (duration !== undefined && !(duration > 0)) {
      console.error(`lucent console: --duration must be a positive number of seconds\n${usage}`);
      return 2;
    }
    const secret = process.env['LUCENT_AUTH_SECRET'] || undefined;
    const publicKey = process.env['LUCENT_AUTH_PUBLIC_KEY'] || undefined;
    const auth = secret !== undefined ? { secret } : publicKey !== undefined ? { publicKey } : undefined;
    // Loaded here: NestJS and the database clients are not worth loading for every `lucent` command.
    const { startConsoleServer } = await import('./consoleServer.js');
    const server = await startConsoleServer({
      natsUrl: values.nats,
      prefix: values.prefix,
      port,
      host: values.host,
      ...(values.database === undefined ? {} : { database: values.database }),
      ...(values.schema === undefined ? {} : { schema: values.schema }),
      ...(values['static-dir'] === undefined ? {} : { staticDir: values['static-dir'] }),
      ...(values.sagas === undefined ? {} : { sagaRunners: values.sagas.split(',').filter(Boolean) }),
      ...(auth === undefined ? {} : { auth }),
    });
    console.log(`lucent console: http://${values.host}:${server.port}/console (cluster ${values.nats}, subjects ${values.prefix}.*)`);
    console.log(`  auth          ${auth === undefined ? 'off: open and read-only (set LUCENT_AUTH_SECRET for tokens and edits)' : 'on: tokens required, admin API /admin/registry for role admin'}`);
    console.log(`  event store   ${values.database === undefined ? 'none (no audit history, events, sagas or schedules; pass --database URL)' : `PostgreSQL (schema ${values.schema ?? 'lucent'})`}`);
    await new Promise<void>((done) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done());
      if (duration !== undefined) setTimeout(done, duration * 1_000).unref();
    });
    await server.close();
    console.log('lucent console: stopped');
    return 0;
  },
};
