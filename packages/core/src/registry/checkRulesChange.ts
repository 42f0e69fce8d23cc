// The checks every registry write passes, in every store: well-formed rules, immutable versions, contract safety.
import { ContractIncompatibleError, LucentError, ValidationError, type FieldIssue } from '../errors/errors.js';
import { contractCompatibility } from './contractCompatibility.js';
import type { ChangeAudit, FunctionRules } from './functionRules.js';
import { routesIssues } from './routeIssues.js';
import { weightBuckets } from './selectVersion.js';

const isUint32 = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/** Problems that make the rules unusable, as field issues (empty when fine). */
export function rulesIssues(name: string, rules: FunctionRules): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const known = (v: string): boolean => Object.prototype.hasOwnProperty.call(rules.versions ?? {}, v);
  if (rules.name !== name) issues.push({ path: 'name', message: `must be ${name}` });
  if (typeof rules.enabled !== 'boolean') issues.push({ path: 'enabled', message: 'must be a boolean' });
  if (!known(rules.active)) issues.push({ path: 'active', message: `version ${rules.active} is not registered` });
  for (const [v, reg] of Object.entries(rules.versions ?? {})) {
    if (reg.version !== v) issues.push({ path: `versions.${v}.version`, message: `must be ${v}` });
    if (typeof reg.fingerprint?.input !== 'string' || typeof reg.fingerprint?.output !== 'string') {
      issues.push({ path: `versions.${v}.fingerprint`, message: 'needs input and output fingerprints' });
    }
  }
  let total = 0;
  for (const [v, w] of Object.entries(rules.weights ?? {})) {
    if (!known(v)) issues.push({ path: `weights.${v}`, message: `version ${v} is not registered` });
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 100) {
      issues.push({ path: `weights.${v}`, message: 'must be a percent between 0 and 100' });
    } else if (v !== rules.active) total += weightBuckets(w);
  }
  if (total > 10_000) issues.push({ path: 'weights', message: 'the weights of the non-active versions add up to more than 100' });
  if (rules.shadow !== undefined && !known(rules.shadow)) {
    issues.push({ path: 'shadow', message: `version ${rules.shadow} is not registered` });
  }
  issues.push(...routesIssues(rules.placement?.routes));
  if (!isUint32(rules.rollout?.seed) || !isUint32(rules.rollout?.variantSeed)) {
    issues.push({ path: 'rollout', message: 'seed and variantSeed must be unsigned 32-bit integers' });
  }
  return issues;
}

/** Versions that receive live traffic: the active one and every one with a positive weight. */
export function servingVersions(rules: FunctionRules): Set<string> {
  const out = new Set([rules.active]);
  for (const [v, w] of Object.entries(rules.weights)) if (w > 0) out.add(v);
  return out;
}

/**
 * Throws when `next` may not replace `previous`: malformed rules or audit (VALIDATION_FAILED), a
 * registered version whose fingerprint changed (CONFLICT), or a version starting to serve whose
 * contract differs from the active one (CONTRACT_INCOMPATIBLE) unless the audit forces it with a reason.
 */
export function checkRulesChange(
  name: string,
  previous: FunctionRules | null,
  next: FunctionRules,
  audit: ChangeAudit,
): void {
  const issues = rulesIssues(name, next);
  if (!audit.who) issues.push({ path: 'audit.who', message: 'say who makes the change' });
  if (!audit.why) issues.push({ path: 'audit.why', message: 'say why the change is made' });
  if (issues.length > 0) throw new ValidationError('config', `registry rules of ${name}`, issues);
  if (previous === null) return;
  for (const [v, old] of Object.entries(previous.versions)) {
    const now = next.versions[v];
    if (now === undefined) continue;
    if (now.fingerprint.input !== old.fingerprint.input || now.fingerprint.output !== old.fingerprint.output) {
      throw new LucentError('CONFLICT', `${name}@${v} is already registered with other contracts; publish a new version`, {
        name,
        version: v,
      });
    }
  }
  if (audit.force === true) return;
  const reference = previous.versions[previous.active];
  if (reference === undefined) return;
  const before = servingVersions(previous);
  for (const v of servingVersions(next)) {
    if (before.has(v)) continue;
    const verdict = contractCompatibility(reference, next.versions[v]!);
    if (!verdict.compatible) throw new ContractIncompatibleError(name, previous.active, v, verdict.reason);
  }
}
