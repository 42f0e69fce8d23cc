// Entry point of `npm start`: the crypto trading service on embedded defaults (no servers needed).
import { createCryptoService } from './app.js';
import { configFromEnv } from './config.js';

const config = configFromEnv();
const service = await createCryptoService(config);
await service.app.listen(config.port, config.host);

const base = `http://${config.host}:${config.port}`;
console.log(`Lucent crypto trading service on ${base} (${service.functions.list().length} functions)`);
console.log(`  curl ${base}/functions`);
console.log(
  `  curl -X POST ${base}/functions/risk.healthFactor -H 'content-type: application/json' \\\n` +
    `       -d '{"collateral":[{"asset":"ETH","amount":10,"priceUsd":3000,"liquidationThreshold":0.825}],"debtUsd":15000}'`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void service.close().then(() => process.exit(0));
  });
}
