// Type-level test: a service class built on LucentServiceBase<FunctionRegistry> refuses unknown functions, wrong inputs and unknown services at compile time.
import { FunctionManager, LucentServiceBase, ServiceDirectory, type ServiceDependencies } from '@lucent/runtime';
import { functionRegistry, type FunctionRegistry } from '../../examples/crypto-trading/src/registry/functionRegistry.js';

class Risk extends LucentServiceBase<FunctionRegistry> {
  constructor(deps: ServiceDependencies) {
    super(deps, 'risk');
  }

  /** Compiled by `npm run test:types`, never run: each @ts-expect-error fails the build if its line type-checks. */
  async checks(): Promise<number | null> {
    const { output } = await this.call('risk.healthFactor', {
      collateral: [{ asset: 'ETH', amount: 10, priceUsd: 3000, liquidationThreshold: 0.825 }],
      debtUsd: 15_000,
    });
    const status: 'noDebt' | 'safe' | 'atRisk' | 'liquidatable' = output.status;
    void status;

    // @ts-expect-error an unknown function name does not compile
    await this.call('risk.nothingHere', {});

    // @ts-expect-error a misspelt name does not compile either
    await this.call('risk.healthfactor', { collateral: [], debtUsd: 1 });

    // @ts-expect-error debtUsd is required
    await this.call('risk.healthFactor', { collateral: [] });

    // @ts-expect-error a field of the wrong type inside a collateral entry
    await this.call('risk.healthFactor', { collateral: [{ asset: 'ETH', amount: '10', priceUsd: 3000, liquidationThreshold: 0.825 }], debtUsd: 1 });

    // @ts-expect-error the input of another function does not fit
    await this.call('yield.aprToApy', { priceRatio: 2 });

    const apy = await this.call('yield.aprToApy', { apr: 0.12, compoundsPerYear: 12 });
    // @ts-expect-error outputs are typed: aprToApy returns { apy }, not { apr }
    void apy.output.apr;

    // @ts-expect-error per-call options may not override the scope's correlation id
    await this.call('yield.continuousApy', { apr: 0.1 }, { correlationId: 'x' });

    // @ts-expect-error this service declared no other services
    this.service('prices');

    return output.healthFactor;
  }

  healthOf(debtUsd: number) {
    return this.call('risk.healthFactor', { collateral: [], debtUsd });
  }
}

class Yield extends LucentServiceBase<FunctionRegistry, { risk: Risk }> {
  constructor(deps: ServiceDependencies<{ risk: Risk }>) {
    super(deps, 'yield');
  }

  async viaRisk(): Promise<void> {
    // Another service is reached by name, with its own methods typed.
    const { output } = await this.service('risk').healthOf(1);
    const hf: number | null = output.healthFactor;
    void hf;

    // @ts-expect-error an unknown service name does not compile
    this.service('arbitrage');

    // @ts-expect-error the service's methods are typed too
    await this.service('risk').healthOf('lots');
  }
}

export function wiring(): void {
  const invoker = new FunctionManager().register(functionRegistry);
  const directory = new ServiceDirectory<{ risk: Risk }>();
  const risk = new Risk({ invoker });
  directory.add('risk', risk);
  void new Yield({ invoker, services: directory });

  // @ts-expect-error a directory only takes the services it names
  directory.add('prices', risk);

  // @ts-expect-error a service's protected `call` is not reachable from outside
  void risk.call('risk.healthFactor', { collateral: [], debtUsd: 1 });

  // A scoped view is the same class, so its own methods stay typed.
  const scoped: Risk = risk.withBusiness({ userId: 'alice', jurisdiction: 'DE' }).inScope({ correlationId: 'c-1' });
  void scoped.healthOf(2);

  // @ts-expect-error a service that needs others cannot be built from a directory missing them
  void new Yield({ invoker, services: new ServiceDirectory<{ prices: Risk }>() });
}
