// Operator actions on the registry (register, activate, weights, shadow, kill switch, jurisdictions, placement and routes): read, edit purely, compare-and-set, retry on a race.
import {
  activateVersion,
  clearRoutes,
  initialRules,
  LucentError,
  registerVersion,
  removeRoute,
  rollbackTarget,
  setEnabled,
  setJurisdictions,
  setPlacement,
  setRoute,
  setShadow,
  setWeights,
  type ChangeAudit,
  type FunctionRoute,
  type FunctionRules,
  type JurisdictionRules,
  type PlacementRules,
  type RegisteredVersion,
  type RulesEntry,
} from '@lucent/core';
import type { RegistryStore } from './registryStore.js';

export class RegistryAdmin {
  constructor(
    private readonly store: RegistryStore,
    private readonly maxAttempts = 5,
  ) {}

  /**
   * Apply a pure edit to the current rules and write it with compare-and-swap. A concurrent writer
   * makes the write conflict; the edit is then re-applied to the fresh rules, so nobody's change is lost.
   */
  async update(name: string, edit: (current: FunctionRules | undefined) => FunctionRules, audit: ChangeAudit): Promise<RulesEntry> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.get(name);
      try {
        return await this.store.compareAndSet(name, current?.revision ?? 0, edit(current?.rules), audit);
      } catch (error) {
        if (!(error instanceof LucentError) || error.code !== 'REGISTRY_CONFLICT' || attempt >= this.maxAttempts) throw error;
      }
    }
  }

  private existing(name: string, edit: (rules: FunctionRules) => FunctionRules): (current: FunctionRules | undefined) => FunctionRules {
    return (current) => {
      if (current === undefined) throw new LucentError('FUNCTION_NOT_FOUND', `No rules for ${name} in the registry`, { name });
      return edit(current);
    };
  }

  /**
   * Register a version (inactive, no traffic); the first version of a function becomes active.
   * Registering a version again with the same contracts writes nothing and answers the current entry.
   */
  async register(name: string, version: RegisteredVersion, audit: ChangeAudit): Promise<RulesEntry> {
    const current = await this.store.get(name);
    const known = current?.rules.versions[version.version];
    if (current !== undefined && known !== undefined && known.fingerprint.input === version.fingerprint.input && known.fingerprint.output === version.fingerprint.output) {
      return current;
    }
    return this.update(name, (rules) => (rules === undefined ? initialRules(name, version) : registerVersion(rules, version)), audit);
  }

  activate(name: string, version: string, audit: ChangeAudit): Promise<RulesEntry> {
    return this.update(name, this.existing(name, (r) => activateVersion(r, version)), audit);
  }

  /**
   * Make the previously active version active again (or `to`), recorded like any change. The target
   * is read from the history once; a concurrent activation between that read and the write wins the
   * compare-and-set, and this rollback is re-decided from fresh history.
   */
  async rollback(name: string, to: string | undefined, audit: ChangeAudit): Promise<RulesEntry> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.get(name);
      if (current === undefined) throw new LucentError('FUNCTION_NOT_FOUND', `No rules for ${name} in the registry`, { name });
      const target = rollbackTarget(current.rules, await this.store.history(name), to);
      try {
        return await this.store.compareAndSet(name, current.revision, activateVersion(current.rules, target), audit);
      } catch (error) {
        if (!(error instanceof LucentError) || error.code !== 'REGISTRY_CONFLICT' || attempt >= this.maxAttempts) throw error;
      }
    }
  }

  weights(name: string, weights: Readonly<Record<string, number>>, audit: ChangeAudit): Promise<RulesEntry> {
    return this.update(name, this.existing(name, (r) => setWeights(r, weights)), audit);
  }

  shadow(name: string, version: string | undefined, audit: ChangeAudit): Promise<RulesEntry> {
    return this.update(name, this.existing(name, (r) => setShadow(r, version)), audit);
  }

  enable(name: string, audit: ChangeAudit): Promise<RulesEntry> {
    return this.update(name, this.existing(name, (r) => setEnabled(r, true)), audit);
  }

  disable(name: string, audit: ChangeAudit): Promise<RulesEntry> {
    return this.update(name, this.existing(name, (r) => setEnabled(r, false)), audit);
  }

  jurisdictions(name: string, rules: JurisdictionRules, audit: ChangeAudit): Promise<RulesEntry> {
    return this.update(name, this.existing(name, (r) => setJurisdictions(r, rules)), audit);
  }

  /** Replace the placement's tags and pinned shards; the routes stay unless `rules` gives its own. */
  placement(name: string, rules: PlacementRules, audit: ChangeAudit): Promise<RulesEntry> {
    return this.update(
      name,
      this.existing(name, (r) => {
        const routes = rules.routes ?? r.placement?.routes;
        return setPlacement(r, routes === undefined ? rules : { ...rules, routes });
      }),
      audit,
    );
  }

  /** Add a route, or replace the route of the same name where it stands. */
  route(name: string, route: FunctionRoute, audit: ChangeAudit): Promise<RulesEntry> {
    return this.update(name, this.existing(name, (r) => setRoute(r, route)), audit);
  }

  removeRoute(name: string, routeName: string, audit: ChangeAudit): Promise<RulesEntry> {
    return this.update(name, this.existing(name, (r) => removeRoute(r, routeName)), audit);
  }

  /** Remove every route; the empty list stays, so default routes are not seeded again at the next start. */
  clearRoutes(name: string, audit: ChangeAudit): Promise<RulesEntry> {
    return this.update(name, this.existing(name, (r) => clearRoutes(r)), audit);
  }
}
