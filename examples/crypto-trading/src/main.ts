// Entry point of `npm start`: the crypto trading service, embedded by default (no servers needed), a gateway to shards with LUCENT_NATS_URL.
import { isLucentError } from '@lucent/core';
import { startTracing } from '@lucent/runtime';
import { createCryptoService } from './app.js';
import { configFromEnv } from './config.js';

// Off unless OTEL_TRACES_EXPORTER or LUCENT_TRACES_FILE names an exporter (docs/operations.md, Tracing).
const tracing = await startTracing({ serviceName: 'crypto-trading' });
const config = configFromEnv();
const service = await createCryptoService(config).catch(async (error: unknown) => {
  // A typed refusal (e.g. DATA_DIRECTORY_LOCKED: another process serves this data directory) says all in its message.
  const why = isLucentError(error) ? error.message : error instanceof Error ? error.stack : String(error);
  console.error(`Lucent crypto trading service did not start: ${why}`);
  await tracing?.shutdown().catch(() => undefined);
  process.exit(1);
});
await service.app.listen(config.port, config.host);

const base = `http://${config.host}:${config.port}`;
const { description: stores } = service.infrastructure;
const { description: topology } = service.topology;
const eventStore = {
  postgres: `PostgreSQL (schema ${config.pgSchema ?? 'lucent'})`,
  'pglite-disk': `embedded PGlite in ${config.dataDir}`,
  'pglite-memory': 'embedded PGlite in memory',
}[stores.database];
const redisKind = config.redisCluster === true ? 'Redis Cluster' : 'Redis';
const projections = stores.projections === 'redis' ? `${redisKind} (keys ${config.redisPrefix ?? 'lucent:crypto:'}*)` : 'in memory (rebuilt from the event store at start)';
console.log(`Lucent crypto trading service on ${base} (${service.invoker.list().length} functions, ${topology.mode})`);
console.log(`  event store   ${eventStore}`);
console.log(`  projections   ${projections}`);
console.log(`  transport     ${topology.transport}`);
console.log(`  registry      ${topology.registry}${config.auth === undefined ? ' (admin API off: set LUCENT_AUTH_SECRET)' : ' (admin API /admin/registry, role admin)'}`);
console.log(`  console       ${base}/console${config.auth === undefined ? ' (read-only; with LUCENT_AUTH_SECRET, sign in with a token)' : ' (sign in with a token; the admin role edits)'}`);
console.log(`  curl ${base}/functions`);
const post = (name: string, body: string): string =>
  `  curl -X POST ${base}/functions/${name} -H 'content-type: application/json' \\\n       -d '${body}'`;
console.log(post('risk.healthFactor', '{"collateral":[{"asset":"ETH","amount":10,"priceUsd":3000,"liquidationThreshold":0.825}],"debtUsd":15000}'));
console.log(post('yield.aprToApy', '{"apr":0.12,"compoundsPerYear":12}'));
console.log(
  post(
    'arbitrage.triangular',
    '{"rates":[{"from":"USDT","to":"ETH","rate":0.0005},{"from":"ETH","to":"BTC","rate":0.05},{"from":"BTC","to":"USDT","rate":41000}],"startCurrency":"USDT"}',
  ),
);
console.log('  # bad input → 400 VALIDATION_FAILED naming the field:');
console.log(post('risk.healthFactor', '{"collateral":"lots","debtUsd":15000}'));
const send = (path: string, body: string, header = ''): string =>
  `  curl -X POST ${base}${path} -H 'content-type: application/json'${header} \\\n       -d '${body}'`;
console.log('  # a lending position (event-sourced), then its portfolio:');
console.log(send('/positions', '{"positionId":"p1","owner":"alice","pair":"ETH-USD"}'));
console.log(`  curl ${base}/portfolios/alice`);
console.log('  # push a collateral price (operator or oracle callback); a fall below HF 1.1 raises /positions/<id>/alerts');
console.log('  # (the fake exchange polled every 10 s sets ETH back to 3000; LUCENT_PRICE_CRON=off keeps the pushed price):');
console.log(send('/prices', '{"asset":"ETH","priceUsd":2400,"source":"operator"}'));
console.log('  # an Aave deposit saga: start it, confirm its txHash (the fake chain waits for you), read it:');
console.log(send('/deposits', '{"account":"alice","asset":"USDC","amount":1000,"confirmations":3}', " -H 'idempotency-key: dep-1'"));
console.log(send('/callbacks/chain/confirmations', '{"txHash":"<txHash from the answer>","confirmations":3}'));
console.log(`  curl ${base}/deposits/<depositId from the answer>`);

// Graceful stop: no new connections, requests already received answered within the drain timeout,
// then the Scheduler, the parts and the stores closed in order. Exit 0 when everything drained,
// 1 when requests had to be cut or closing failed.
const drainTimeoutMs = config.drainTimeoutMs ?? 10_000;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    // A stop that hangs (a store that never answers) must not keep the process past its budget.
    setTimeout(() => process.exit(1), drainTimeoutMs + 10_000).unref();
    // The spans of the last requests are exported before the process ends.
    const flushed = (code: number) => (tracing === undefined ? Promise.resolve(code) : tracing.shutdown().then(() => code, () => code));
    service.shutdown(drainTimeoutMs).then(
      ({ drained }) => flushed(drained ? 0 : 1).then((code) => process.exit(code)),
      (error: unknown) => {
        console.error(`Lucent crypto trading service did not stop cleanly: ${error instanceof Error ? error.stack : String(error)}`);
        return flushed(1).then((code) => process.exit(code));
      },
    );
  });
}
