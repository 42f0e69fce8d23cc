// The back end of http.gateway, forked as its own process: a Lucent shard (startNatsShard) and a plain nats.js responder running the same pure function.
import { parseShardConfig, startNatsShard } from '@lucent/nats';
import { connect } from 'nats';
import { healthFactorByHand, healthFactorFiveSeconds as healthFactor } from './healthFactorByHand.js';

/** What the parent passes in LUCENT_BENCH_GATEWAY (JSON). */
interface BackendsConfig {
  readonly natsUrl: string;
  /** Subject prefix of this run's cluster. */
  readonly prefix: string;
  readonly shardId: string;
  /** Where the plain responder listens. */
  readonly rawSubject: string;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env['LUCENT_BENCH_GATEWAY'] ?? '{}') as BackendsConfig;
  // The shard as `lucent shard` starts it: its own NATS connection, load reports, the function's contracts checked here;
  // tagged `aave`, the function's shard affinity.
  const shard = await startNatsShard({
    config: parseShardConfig({ id: config.shardId, nats: config.natsUrl, subjectPrefix: config.prefix, tags: ['aave'], reportIntervalMs: 500 }),
    functions: { [healthFactor.name]: healthFactor },
  });
  // The hand-written responder: decode, the same contracts and formula, encode; on its own connection.
  const nc = await connect({ servers: config.natsUrl, name: 'lucent-bench-gateway-raw-responder' });
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  nc.subscribe(config.rawSubject, {
    callback: (_error, msg) => {
      let body: unknown;
      try {
        body = JSON.parse(decoder.decode(msg.data));
      } catch {
        msg.respond(encoder.encode(JSON.stringify({ status: 400, body: { code: 'VALIDATION_FAILED' } })));
        return;
      }
      msg.respond(encoder.encode(JSON.stringify(healthFactorByHand(body))));
    },
  });
  await nc.flush();
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await shard.stop(1_000).catch(() => undefined);
    await nc.drain().catch(() => undefined);
    process.exit(0);
  };
  process.on('message', (m) => {
    if (m === 'stop') void stop();
  });
  // The parent went away without saying so: do not outlive it.
  process.on('disconnect', () => void stop());
  process.send?.('ready');
}

main().catch((error: unknown) => {
  process.send?.({ error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
