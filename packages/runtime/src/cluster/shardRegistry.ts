// A shard's side of the registry: follow the rules (kill switch enforced here too), load published bundles, run shadow versions.
import type { KeyObject } from 'node:crypto';
import type { Registry } from 'prom-client';
import { silentLogger, type Logger } from '@lucent/core';
import type { EventStore } from '../eventStore/eventStore.js';
import type { FunctionManager } from '../functionManager/functionManager.js';
import { BundleDeployer } from '../deploy/bundleDeployer.js';
import type { BundleStore } from '../deploy/bundleStore.js';
import type { RegistryStore } from '../registry/registryStore.js';
import { RegistryWatcher } from '../registry/registryWatcher.js';
import { ShadowRunner } from '../registry/shadowRunner.js';

export interface ShardBundles {
  readonly store: BundleStore;
  /** The publishers' ed25519 public key: bundles not signed by it are refused and never run. */
  readonly publicKey: string | KeyObject;
}

export interface ShardRegistryOptions {
  /** The shard's manager: rules are applied to it, bundle versions registered on it. */
  readonly manager: FunctionManager;
  /** Followed by a RegistryWatcher; loaded bundle versions are recorded here (inactive). */
  readonly registry?: RegistryStore;
  /** When set, every bundle in the store is verified, loaded in a worker and registered on the manager. */
  readonly bundles?: ShardBundles;
  /**
   * Shadow runs of the functions this shard serves (default on when `registry` is set). Divergences and
   * tallies go to `eventStore` when given, so `shadowReport` sums every shard; metrics always.
   */
  readonly shadow?:
    | false
    | { readonly eventStore?: EventStore; readonly metrics?: Registry; readonly maxInFlight?: number; readonly sampleRate?: number };
  /** Names the shard in the registry's audit trail. */
  readonly nodeId: string;
  readonly logger?: Logger;
}

export class ShardRegistry {
  readonly watcher: RegistryWatcher | undefined;
  readonly deployer: BundleDeployer | undefined;
  readonly shadow: ShadowRunner | undefined;

  constructor(options: ShardRegistryOptions) {
    const logger = options.logger ?? silentLogger;
    this.watcher =
      options.registry === undefined
        ? undefined
        : new RegistryWatcher({
            store: options.registry,
            manager: options.manager,
            logger,
            // Bundles whose versions left the registry are unloaded here (their workers end, their memory is freed).
            onRules: (name, rules) => this.deployer?.rulesChanged(name, rules),
          });
    this.deployer =
      options.bundles === undefined
        ? undefined
        : new BundleDeployer({
            store: options.bundles.store,
            manager: options.manager,
            publicKey: options.bundles.publicKey,
            ...(options.registry === undefined ? {} : { registry: options.registry }),
            ...(this.watcher === undefined ? {} : { watcher: this.watcher }),
            logger,
            nodeId: options.nodeId,
          });
    const shadow = options.shadow ?? (options.registry === undefined ? false : {});
    this.shadow =
      shadow === false
        ? undefined
        : new ShadowRunner({
            manager: options.manager,
            logger,
            ...(shadow.eventStore === undefined ? {} : { eventStore: shadow.eventStore }),
            ...(shadow.metrics === undefined ? {} : { metrics: shadow.metrics }),
            ...(shadow.maxInFlight === undefined ? {} : { maxInFlight: shadow.maxInFlight }),
            ...(shadow.sampleRate === undefined ? {} : { sampleRate: shadow.sampleRate }),
          });
  }

  /**
   * Resolves once the current rules are applied and the bundles already stored are loaded (or refused).
   * Start it before the shard serves, so its first load report already lists every version it hosts.
   */
  async start(): Promise<void> {
    this.shadow?.start();
    // Rules first: the deployer re-applies them to the versions it registers.
    await this.watcher?.start();
    await this.deployer?.start();
  }

  /** Stop following; bundle workers end, shadow tallies are flushed. */
  async stop(): Promise<void> {
    await this.deployer?.close();
    await this.watcher?.stop();
    await this.shadow?.stop();
  }
}
