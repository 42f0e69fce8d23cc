// Pure edits of a function's rules, one per operator action; a writer applies one and compare-and-sets the result.
import { LucentError } from '../errors/errors.js';
import type { Priority } from '../functions/defineFunction.js';
import type { FunctionRules, JurisdictionRules, PlacementRules, RegisteredVersion } from './functionRules.js';
import { normaliseJurisdictionRules } from './jurisdictions.js';
import { murmur3 } from './murmur3.js';

/** Rules for a function seen for the first time: the given version active, enabled, no weights. */
export function initialRules(name: string, first: RegisteredVersion): FunctionRules {
  return {
    name,
    versions: { [first.version]: first },
    active: first.version,
    weights: {},
    enabled: true,
    rollout: { seed: murmur3(name, 1), variantSeed: murmur3(name, 2) },
  };
}

function requireVersion(rules: FunctionRules, version: string): void {
  if (!Object.prototype.hasOwnProperty.call(rules.versions, version)) {
    throw new LucentError('FUNCTION_NOT_FOUND', `${rules.name}@${version} is not registered`, { name: rules.name, version });
  }
}

/** Add a version (inactive, no traffic). Registering the same version again with the same contracts changes nothing. */
export function registerVersion(rules: FunctionRules, version: RegisteredVersion): FunctionRules {
  return { ...rules, versions: { ...rules.versions, [version.version]: version } };
}

/** Make `version` the active one; it no longer needs a weight of its own. */
export function activateVersion(rules: FunctionRules, version: string): FunctionRules {
  requireVersion(rules, version);
  const weights = Object.fromEntries(Object.entries(rules.weights).filter(([v]) => v !== version));
  return { ...rules, active: version, weights };
}

/** Replace the traffic weights (percent per non-active version); zero weights are dropped. */
export function setWeights(rules: FunctionRules, weights: Readonly<Record<string, number>>): FunctionRules {
  for (const v of Object.keys(weights)) requireVersion(rules, v);
  return { ...rules, weights: Object.fromEntries(Object.entries(weights).filter(([, w]) => w !== 0)) };
}

export function setShadow(rules: FunctionRules, version: string | undefined): FunctionRules {
  if (version === undefined) {
    const { shadow: _dropped, ...rest } = rules;
    return rest;
  }
  requireVersion(rules, version);
  return { ...rules, shadow: version };
}

export function setEnabled(rules: FunctionRules, enabled: boolean): FunctionRules {
  return { ...rules, enabled };
}

/** Codes are stored normalised (' us' → 'US'), whoever wrote them: CLI, admin API or code. */
export function setJurisdictions(rules: FunctionRules, jurisdictions: JurisdictionRules): FunctionRules {
  return { ...rules, jurisdictions: normaliseJurisdictionRules(jurisdictions) };
}

export function setPlacement(rules: FunctionRules, placement: PlacementRules): FunctionRules {
  return { ...rules, placement };
}

export function setPriority(rules: FunctionRules, priority: Priority): FunctionRules {
  return { ...rules, priority };
}

/** New rollout seeds: who is inside the next rollout is reshuffled (use between unrelated rollouts). */
export function reseedRollout(rules: FunctionRules, seed: number, variantSeed: number): FunctionRules {
  return { ...rules, rollout: { ...rules.rollout, seed: seed >>> 0, variantSeed: variantSeed >>> 0 } };
}

/**
 * Rules for a function whose first version arrives in a published bundle: registered, but disabled,
 * so publishing never moves traffic; an operator starts it with `enable` (or `activate`).
 */
export function unreleasedRules(name: string, first: RegisteredVersion): FunctionRules {
  return { ...initialRules(name, first), enabled: false };
}

/** Remove a version no call can reach (a withdrawn bundle's). A version that is active, weighted or shadow is refused. */
export function unregisterVersion(rules: FunctionRules, version: string): FunctionRules {
  requireVersion(rules, version);
  const uses = [
    ...(rules.active === version ? ['active'] : []),
    ...((rules.weights[version] ?? 0) > 0 ? [`weighted ${rules.weights[version]}%`] : []),
    ...(rules.shadow === version ? ['the shadow'] : []),
  ];
  if (uses.length > 0) {
    throw new LucentError('CONFLICT', `${rules.name}@${version} is ${uses.join(' and ')}; move traffic off it first (activate, rollback, weights, shadow off)`, {
      name: rules.name,
      version,
    });
  }
  const { [version]: _removed, ...versions } = rules.versions;
  const { [version]: _weight, ...weights } = rules.weights;
  return { ...rules, versions, weights };
}
