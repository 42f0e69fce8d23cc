// The versions this process hosts, per function name: the active one, the kill switch and the registry's rules.
import {
  FunctionNotFoundError,
  LucentError,
  selectVersion,
  type AnyFunctionDefinition,
  type BusinessMetadata,
  type FunctionMap,
  type FunctionRules,
} from '@lucent/core';
import type { FunctionInfo } from '../invoker/invoker.js';

export interface Entry {
  readonly versions: Map<string, AnyFunctionDefinition>;
  active: AnyFunctionDefinition;
  enabled: boolean;
  /** Registry rules; when set, every call goes through version selection. Replaced whole, never mutated. */
  rules: FunctionRules | undefined;
}

/** The table half of a FunctionManager: registration, lookup, activation and rules; the manager adds the calls. */
export class FunctionTable {
  protected readonly entries = new Map<string, Entry>();

  /** Register definitions (or a generated map of them). The first version of a name becomes active. */
  register(...defs: readonly (AnyFunctionDefinition | FunctionMap)[]): this {
    for (const item of defs) {
      if ((item as AnyFunctionDefinition).kind === 'lucent.function') this.add(item as AnyFunctionDefinition);
      else for (const fn of Object.values(item as FunctionMap)) this.add(fn);
    }
    return this;
  }

  private add(fn: AnyFunctionDefinition): void {
    const entry = this.entries.get(fn.name);
    if (!entry) {
      this.entries.set(fn.name, { versions: new Map([[fn.version, fn]]), active: fn, enabled: true, rules: undefined });
      return;
    }
    const existing = entry.versions.get(fn.version);
    if (existing && existing !== fn) {
      throw new LucentError('CONFLICT', `${fn.name}@${fn.version} is already registered with a different definition`);
    }
    entry.versions.set(fn.version, fn);
  }

  lookup(name: string, version?: string): AnyFunctionDefinition {
    const entry = this.entries.get(name);
    if (!entry) throw new FunctionNotFoundError(name);
    if (version === undefined) return entry.active;
    const fn = entry.versions.get(version);
    if (!fn) throw new FunctionNotFoundError(name, version);
    return fn;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Whether this process can run `version` of `name` (any version when omitted). */
  hosts(name: string, version?: string): boolean {
    const entry = this.entries.get(name);
    return entry !== undefined && (version === undefined || entry.versions.has(version));
  }

  list(): FunctionInfo[] {
    return [...this.entries.entries()].map(([name, e]) => ({
      name,
      activeVersion: e.active.version,
      versions: [...e.versions.keys()],
      enabled: e.enabled,
    }));
  }

  activate(name: string, version: string): void {
    const entry = this.entries.get(name);
    const fn = entry?.versions.get(version);
    if (!entry || !fn) throw new FunctionNotFoundError(name, version);
    entry.active = fn;
  }

  /**
   * Remove one version (a withdrawn bundle's). The active version is never removed: false then, and
   * for an unknown version. A call that already started keeps its definition and finishes.
   */
  unregister(name: string, version: string): boolean {
    const entry = this.entries.get(name);
    if (entry === undefined || entry.active.version === version || !entry.versions.has(version)) return false;
    entry.versions.delete(version);
    return true;
  }

  setEnabled(name: string, enabled: boolean): void {
    const entry = this.entries.get(name);
    if (!entry) throw new FunctionNotFoundError(name);
    entry.enabled = enabled;
  }

  /**
   * Install (or with undefined, remove) a function's registry rules; one assignment, so a call sees
   * either the old rules or the new ones. Returns false when the function is not registered here.
   */
  applyRules(name: string, rules: FunctionRules | undefined): boolean {
    const entry = this.entries.get(name);
    if (entry === undefined) return false;
    if (rules === undefined) {
      entry.rules = undefined;
      return true;
    }
    entry.active = entry.versions.get(rules.active) ?? entry.active;
    entry.enabled = rules.enabled;
    entry.rules = rules;
    return true;
  }

  rulesOf(name: string): FunctionRules | undefined {
    return this.entries.get(name)?.rules;
  }

  /**
   * The version `invoke` would run for a call with this business metadata: the registry rules'
   * choice (the same for the same business keys) or the active version. Undefined when the name
   * is unknown or the rules refuse the call; `invoke` then says why.
   */
  versionFor(name: string, business?: BusinessMetadata): string | undefined {
    const entry = this.entries.get(name);
    if (entry === undefined) return undefined;
    if (entry.rules === undefined) return entry.active.version;
    const selection = selectVersion(entry.rules, business ?? {});
    return 'denied' in selection ? undefined : selection.version;
  }
}
