// Open a NATS connection with the settings Lucent's transport relies on: reconnect forever, fast retries, a name per process.
import { connect, type NatsConnection } from 'nats';

export interface ConnectOptions {
  /** One URL or a comma-separated list, e.g. nats://127.0.0.1:4222. */
  readonly url: string;
  /** Shown by the server's monitoring (`connz`). */
  readonly name?: string;
}

export function connectNats(options: ConnectOptions): Promise<NatsConnection> {
  return connect({
    servers: options.url.split(',').map((s) => s.trim()),
    name: options.name ?? `lucent-${process.pid}`,
    // A shard or caller outlives broker restarts: it reconnects by itself, and calls resume.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    waitOnFirstConnect: false,
    pingInterval: 5_000,
    maxPingOut: 2,
  });
}
