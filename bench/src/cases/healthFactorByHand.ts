// risk.healthFactor written by hand: the same zod contracts and formula the example's function runs, without Lucent (the hand-written side of http.command and http.gateway).
import { healthFactor } from '@lucent/example-crypto-trading/dist/domain/risk/healthFactor.js';

/** Three collaterals, healthy (no event): the usual shape of a dashboard's health check. */
export const healthFactorPayload = JSON.stringify({
  collateral: [
    { asset: 'ETH', amount: 10, priceUsd: 3000, liquidationThreshold: 0.825 },
    { asset: 'WBTC', amount: 0.5, priceUsd: 60000, liquidationThreshold: 0.78 },
    { asset: 'USDC', amount: 5000, priceUsd: 1, liquidationThreshold: 0.87 },
  ],
  debtUsd: 20000,
});

interface HfIn {
  readonly collateral: readonly { readonly amount: number; readonly priceUsd: number; readonly liquidationThreshold: number }[];
  readonly debtUsd: number;
}

export type ByHandAnswer = { readonly status: 200; readonly body: { output: unknown; events: unknown[] } } | { readonly status: 400 | 500; readonly body: { code: string } };

const input = healthFactor.input['~standard'];
const output = healthFactor.output['~standard'];

/** Validate the input, compute, validate the output, answer Lucent's `{ output, events }`: the function's whole job by hand. */
export function healthFactorByHand(body: unknown): ByHandAnswer {
  const parsed = input.validate(body);
  if (parsed instanceof Promise || parsed.issues) return { status: 400, body: { code: 'VALIDATION_FAILED' } };
  const { collateral, debtUsd } = parsed.value as HfIn;
  let collateralUsd = 0;
  let riskAdjustedCollateralUsd = 0;
  for (const c of collateral) {
    const valueUsd = c.amount * c.priceUsd;
    collateralUsd += valueUsd;
    riskAdjustedCollateralUsd += valueUsd * c.liquidationThreshold;
  }
  const events: unknown[] = [];
  let result: Record<string, unknown>;
  if (debtUsd === 0) result = { healthFactor: null, status: 'noDebt', collateralUsd, riskAdjustedCollateralUsd, debtUsd };
  else {
    const hf = riskAdjustedCollateralUsd / debtUsd;
    if (hf < 1.1) {
      events.push({ type: 'LiquidationRiskRaised', data: { healthFactor: hf, debtUsd, riskAdjustedCollateralUsd, accountId: null, at: Date.now() } });
    }
    const status = hf < 1 ? 'liquidatable' : hf < 1.1 ? 'atRisk' : 'safe';
    result = { healthFactor: hf, status, collateralUsd, riskAdjustedCollateralUsd, debtUsd };
  }
  const checked = output.validate(result);
  if (checked instanceof Promise || checked.issues) return { status: 500, body: { code: 'FUNCTION_FAILED' } };
  return { status: 200, body: { output: checked.value, events } };
}

/**
 * The example's function with the hand-written side's 5 s request timeout instead of its 250 ms
 * budget: on a shared 2-core machine, 32 calls queued behind other processes can wait longer than
 * 250 ms, and a 504 on one side only would end the comparison rather than measure it.
 */
export const healthFactorFiveSeconds: typeof healthFactor = { ...healthFactor, meta: { ...healthFactor.meta, timeoutMs: 5_000 } };
