// Type-level test: `invoke` typed by the generated FunctionRegistry refuses unknown names and wrong inputs at compile time.
import { FunctionManager } from '@lucent/runtime';
import {
  functionRegistry,
  type FunctionRegistry,
} from '../../examples/crypto-trading/src/registry/functionRegistry.js';

const invoke = new FunctionManager().register(functionRegistry).typed<FunctionRegistry>();

/** Compiled by `npm run test:types`, never run: each @ts-expect-error fails the build if its line type-checks. */
export async function typedInvocations(): Promise<void> {
  // The input shape main.ts prints and the e2e test posts compiles, and the output is typed.
  const { output, events } = await invoke('risk.healthFactor', {
    collateral: [{ asset: 'ETH', amount: 10, priceUsd: 3000, liquidationThreshold: 0.825 }],
    debtUsd: 15_000,
  });
  const hf: number | null = output.healthFactor;
  const status: 'noDebt' | 'safe' | 'atRisk' | 'liquidatable' = output.status;
  void [hf, status, events.length];

  // Class-style (@LucentFunction) functions are typed the same way.
  const arb = await invoke('arbitrage.triangular', { rates: [{ from: 'USDT', to: 'ETH', rate: 0.0005 }] });
  if (arb.output.found) {
    const cycle: string[] = arb.output.cycle;
    void cycle;
  }

  // @ts-expect-error an unknown function name does not compile
  await invoke('risk.nothingHere', {});

  // @ts-expect-error a misspelt name does not compile either
  await invoke('risk.healthfactor', { collateral: [], debtUsd: 1 });

  // @ts-expect-error collateral must be a list of positions, not a string
  await invoke('risk.healthFactor', { collateral: 'lots', debtUsd: 15_000 });

  // @ts-expect-error debtUsd is required
  await invoke('risk.healthFactor', { collateral: [] });

  // @ts-expect-error a field of the wrong type inside a collateral entry
  await invoke('risk.healthFactor', { collateral: [{ asset: 'ETH', amount: '10', priceUsd: 3000, liquidationThreshold: 0.825 }], debtUsd: 1 });

  // @ts-expect-error the input of another function does not fit
  await invoke('yield.aprToApy', { priceRatio: 2 });

  // @ts-expect-error outputs are typed too: aprToApy returns { apy }, not { apr }
  const { output: rate } = await invoke('yield.aprToApy', { apr: 0.12, compoundsPerYear: 12 }); void rate.apr;
}
