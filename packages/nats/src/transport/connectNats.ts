// Open a NATS connection with the settings Lucent's transport relies on: reconnect forever, fast retries, a name per process, credentials and TLS.
import { connect, type NatsConnection } from 'nats';
import { resolveNatsSecurity, type NatsSecurityOptions } from '../security/connectionSecurity.js';

/**
 * Where to connect and as whom. Credentials and TLS not given here are read from LUCENT_NATS_*
 * variables (see `natsSecurityEnv` and docs/security.md), so every shard, gateway and CLI
 * command of a deployment picks them up without a flag of its own.
 */
export interface ConnectOptions extends NatsSecurityOptions {
  /**
   * One URL or a comma-separated list, e.g. nats://127.0.0.1:4222. A list is an order of preference:
   * the first server is tried first and the rest are fallbacks, tried in turn.
   */
  readonly url: string;
  /** Shown by the server's monitoring (`connz`). */
  readonly name?: string;
  /** Where LUCENT_NATS_* are read (process.env by default). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function connectNats(options: ConnectOptions): Promise<NatsConnection> {
  const { method: _method, ...security } = await resolveNatsSecurity(options, options.env);
  return connect({
    servers: options.url.split(',').map((s) => s.trim()),
    // nats.js shuffles the list by default; a host given its nearest server first must connect to it.
    noRandomize: true,
    name: options.name ?? `lucent-${process.pid}`,
    // A shard or caller outlives broker restarts: it reconnects by itself, and calls resume.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    waitOnFirstConnect: false,
    pingInterval: 5_000,
    maxPingOut: 2,
    ...security,
  });
}
