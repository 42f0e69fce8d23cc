// Follows a bundle store on a running node: verify each new bundle, load it in a worker, register its versions.
import type { KeyObject } from 'node:crypto';
import { silentLogger, type FunctionRules, type Logger, type RegisteredVersion } from '@lucent/core';
import type { FunctionManager } from '../functionManager/functionManager.js';
import type { RegistryStore } from '../registry/registryStore.js';
import type { RegistryWatcher } from '../registry/registryWatcher.js';
import { BundleRejectedError } from './bundleRejectedError.js';
import { publicVerifyKey } from './bundleSignature.js';
import type { BundleStore, BundleWatch } from './bundleStore.js';
import { BundleWorker, type BundleWorkerOptions } from './bundleWorker.js';
import { registeredVersionOf } from '../registry/contractFingerprint.js';
import { recordBundleVersions } from './recordBundleVersions.js';
import { verifyBundle } from './verifyBundle.js';
import { workerFunction } from './workerFunction.js';

export interface BundleDeployerOptions {
  readonly store: BundleStore;
  readonly manager: FunctionManager;
  /** The publishers' ed25519 public key (SPKI PEM or KeyObject). Bundles not signed by it never run. */
  readonly publicKey: string | KeyObject;
  /** Where loaded versions are recorded (inactive); omitted in tests or nodes that only serve. */
  readonly registry?: RegistryStore;
  /**
   * This node's registry watcher. Rules that arrived before the bundle did (an operator activating a
   * version this node had not loaded yet) are applied again once its functions are registered.
   */
  readonly watcher?: RegistryWatcher;
  readonly logger?: Logger;
  /** Names this node in the registry's audit trail. */
  readonly nodeId?: string;
  readonly worker?: BundleWorkerOptions;
}

export type BundleOutcome =
  | {
      readonly status: 'loaded';
      readonly id: string;
      /** `name@version` registered on this node's FunctionManager. */
      readonly functions: readonly string[];
      /** True when the versions are in the registry store (written now or found there). */
      readonly recorded: boolean;
    }
  | { readonly status: 'rejected'; readonly id: string; readonly error: BundleRejectedError }
  | { readonly status: 'failed'; readonly id: string; readonly error: unknown };

export class BundleDeployer {
  private readonly publicKey: KeyObject;
  private readonly logger: Logger;
  private readonly workers = new Map<string, BundleWorker>();
  private readonly outcomes = new Map<string, BundleOutcome>();
  private readonly waiters = new Map<string, ((o: BundleOutcome) => void)[]>();
  /** `name@version` of every version this deployer registered from a bundle (the rest are compiled in). */
  private readonly fromBundles = new Set<string>();
  /** `name@version` of bundle versions this node has seen listed in the registry's rules (recorded, not merely loaded). */
  private readonly listed = new Set<string>();
  private watch: BundleWatch | undefined;

  constructor(private readonly options: BundleDeployerOptions) {
    this.publicKey = publicVerifyKey(options.publicKey);
    this.logger = options.logger ?? silentLogger;
  }

  /** Start following the store; resolves once the bundles already there are handled. */
  async start(): Promise<void> {
    if (this.watch) return this.watch.ready;
    this.watch = this.options.store.watch({
      onBundle: (id) => this.deploy(id).then(() => undefined),
      onRemoved: (id) => this.unload(id),
      onError: (error) => this.logger.error('bundle store watch failed', { error: String(error) }),
    });
    await this.watch.ready;
  }

  /** What happened to a bundle, waiting for it to arrive when it has not yet. */
  outcome(id: string, timeoutMs = 30_000): Promise<BundleOutcome> {
    const known = this.outcomes.get(id);
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bundle ${id} not handled within ${timeoutMs} ms`)), timeoutMs);
      const list = this.waiters.get(id) ?? [];
      list.push((o) => {
        clearTimeout(timer);
        resolve(o);
      });
      this.waiters.set(id, list);
    });
  }

  /** What this node made of a bundle so far; undefined when it has not handled it (yet). */
  state(id: string): BundleOutcome | undefined {
    return this.outcomes.get(id);
  }

  /** Every bundle this node has handled, with its outcome. */
  states(): BundleOutcome[] {
    return [...this.outcomes.values()];
  }

  /** How many bundle workers run here (each holds a bundle's code and heap). */
  get loadedWorkers(): number {
    return this.workers.size;
  }

  /**
   * A withdrawn bundle: forget its outcome (the id may be published again), remove its versions from
   * the manager and end its worker. A version still active here keeps the worker alive.
   */
  async unload(id: string): Promise<void> {
    this.outcomes.delete(id);
    const worker = this.workers.get(id);
    if (worker === undefined) return;
    const kept: string[] = [];
    for (const info of worker.functions) {
      const ref = `${info.name}@${info.version}`;
      if (!this.fromBundles.has(ref)) continue;
      if (this.options.manager.unregister(info.name, info.version)) this.fromBundles.delete(ref);
      else kept.push(ref);
    }
    if (kept.length > 0) {
      this.logger.warn('withdrawn bundle still serves here; its worker stays', { bundle: id, functions: kept });
      return;
    }
    this.workers.delete(id);
    await worker.terminate();
    this.logger.info('bundle unloaded', { bundle: id });
  }

  /**
   * A function's rules changed (the shard's RegistryWatcher calls this, in revision order). A loaded
   * bundle none of whose versions the registry lists any more — each was listed once, then left it
   * (its bundle withdrawn, or the version unregistered) — is unloaded: its versions leave the manager
   * and its worker ends, without waiting for the bundle to leave the store. A version listed but
   * inactive stays loaded: it is one `activate` or `rollback` away from traffic. A version loaded but
   * not yet recorded (never listed) is not touched.
   */
  rulesChanged(name: string, rules: FunctionRules | undefined): void {
    for (const [id, worker] of this.workers) {
      if (!worker.functions.some((f) => f.name === name)) continue;
      let stillListed = false;
      let everListed = true;
      for (const f of worker.functions) {
        const ref = `${f.name}@${f.version}`;
        const current = f.name === name ? rules : this.options.watcher?.appliedEntry(f.name)?.rules;
        if (current?.versions[f.version] !== undefined) {
          this.listed.add(ref);
          stillListed = true;
        } else if (!this.listed.has(ref)) everListed = false;
      }
      if (stillListed || !everListed) continue;
      this.logger.info('no registry rule lists this bundle\'s versions any more; unloading it', { bundle: id });
      for (const f of worker.functions) this.listed.delete(`${f.name}@${f.version}`);
      void this.unload(id).catch((error: unknown) => this.logger.error('bundle unload failed', { bundle: id, error: String(error) }));
    }
  }

  /** Fetch, verify, load and register one bundle. Never throws: the outcome says what happened. */
  async deploy(id: string): Promise<BundleOutcome> {
    const known = this.outcomes.get(id);
    if (known) return known;
    const outcome = await this.attempt(id);
    this.outcomes.set(id, outcome);
    for (const notify of this.waiters.get(id) ?? []) notify(outcome);
    this.waiters.delete(id);
    return outcome;
  }

  private async attempt(id: string): Promise<BundleOutcome> {
    let worker: BundleWorker | undefined;
    try {
      const stored = await this.options.store.get(id);
      if (!stored) throw new Error(`bundle ${id} vanished from the store`);
      // Nothing of the bundle runs before this line has passed.
      const verified = verifyBundle(stored, this.publicKey);
      worker = await BundleWorker.start(verified, { logger: this.logger, ...this.options.worker });
      const inBundle = worker.functions.map((f) => `${f.name}@${f.version}`).sort();
      const signed = verified.manifest.functions.map((f) => `${f.name}@${f.version}`).sort();
      if (inBundle.join(',') !== signed.join(',')) {
        throw new BundleRejectedError(id, 'manifest-mismatch', `the code defines [${inBundle.join(', ')}], the manifest signs [${signed.join(', ')}]`);
      }
      const registered: string[] = [];
      for (const info of worker.functions) {
        if (this.registeredHere(info.name, info.version)) {
          this.logger.warn('bundle version already registered on this node; keeping the existing one', {
            bundle: id,
            function: info.name,
            version: info.version,
          });
          continue;
        }
        this.options.manager.register(workerFunction(worker, info));
        registered.push(`${info.name}@${info.version}`);
        this.fromBundles.add(`${info.name}@${info.version}`);
      }
      for (const name of new Set(worker.functions.map((f) => f.name))) {
        const rules = this.options.watcher?.appliedEntry(name)?.rules ?? this.options.manager.rulesOf(name);
        if (rules) this.options.manager.applyRules(name, rules);
      }
      this.workers.set(id, worker);
      // A restart loads bundles the registry lists already: they count as listed, so leaving it later unloads them.
      for (const f of worker.functions) if (this.options.watcher?.appliedEntry(f.name)?.rules.versions[f.version] !== undefined) this.listed.add(`${f.name}@${f.version}`);
      this.logger.info('bundle loaded', { bundle: id, functions: registered });
      let recorded = false;
      if (this.options.registry) {
        try {
          await recordBundleVersions(this.options.registry, verified, `deployer@${this.options.nodeId ?? 'node'}`, (name) => this.compiledVersions(name));
          recorded = true;
        } catch (error) {
          // The code runs here already; another node (or the next restart) records it.
          this.logger.error('bundle versions not recorded in the registry', { bundle: id, error: String(error) });
        }
      }
      return { status: 'loaded', id, functions: registered, recorded };
    } catch (error) {
      if (worker && !this.workers.has(id)) await worker.terminate();
      if (error instanceof BundleRejectedError) {
        this.logger.warn('bundle refused', { bundle: id, reason: error.reason, error: error.message });
        return { status: 'rejected', id, error };
      }
      this.logger.error('bundle deployment failed', { bundle: id, error: String(error) });
      return { status: 'failed', id, error };
    }
  }

  /** The versions of `name` compiled into this node, in registration order (the first is the one it serves without rules). */
  private compiledVersions(name: string): RegisteredVersion[] {
    const info = this.options.manager.list().find((f) => f.name === name);
    if (info === undefined) return [];
    const compiled = info.versions.filter((v) => !this.fromBundles.has(`${name}@${v}`));
    const ordered = [info.activeVersion, ...compiled.filter((v) => v !== info.activeVersion)].filter((v) => compiled.includes(v));
    return ordered.map((v) => registeredVersionOf(this.options.manager.lookup(name, v)));
  }

  private registeredHere(name: string, version: string): boolean {
    return this.options.manager.list().some((f) => f.name === name && f.versions.includes(version));
  }

  async stop(): Promise<void> {
    await this.watch?.stop();
    this.watch = undefined;
    // Workers stay: their versions remain registered and callable until the node shuts down.
  }

  /** Stop following and terminate every bundle worker (node shutdown). */
  async close(): Promise<void> {
    await this.stop();
    await Promise.all([...this.workers.values()].map((w) => w.terminate()));
    this.workers.clear();
  }
}
