// Checks the bodies of admin registry requests by hand and turns them into typed values (or a ValidationError).
import { routeIssues, ValidationError, type FieldIssue, type FunctionRoute, type JurisdictionRules } from '@lucent/core';

type Body = Record<string, unknown>;

function asBody(value: unknown, subject: string): Body {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError('input', subject, [{ path: '', message: 'the body must be a JSON object' }]);
  }
  return value as Body;
}

function fail(subject: string, issues: FieldIssue[]): never {
  throw new ValidationError('input', subject, issues);
}

/** `reason` is optional, except when `force` is set: forcing past a contract check must say why. */
export function reasonOf(body: Body, subject: string, fallback: string, force = false): string {
  const reason = body['reason'];
  if (reason !== undefined && (typeof reason !== 'string' || reason.trim() === '')) {
    fail(subject, [{ path: 'reason', message: 'must be a non-empty string' }]);
  }
  if (force && reason === undefined) fail(subject, [{ path: 'reason', message: 'a forced change needs a reason' }]);
  return (reason as string | undefined) ?? fallback;
}

export interface ActivateRequest {
  readonly version: string;
  readonly force: boolean;
  readonly reason: string;
}

export function activateRequest(raw: unknown): ActivateRequest {
  const body = asBody(raw, 'activate request');
  const version = body['version'];
  const force = body['force'] ?? false;
  const issues: FieldIssue[] = [];
  if (typeof version !== 'string' || version === '') issues.push({ path: 'version', message: 'must be a version string' });
  if (typeof force !== 'boolean') issues.push({ path: 'force', message: 'must be a boolean' });
  if (issues.length > 0) fail('activate request', issues);
  return { version: version as string, force: force as boolean, reason: reasonOf(body, 'activate request', 'admin API: activate', force as boolean) };
}

export function weightsRequest(raw: unknown): { weights: Record<string, number>; reason: string } {
  const body = asBody(raw, 'weights request');
  const weights = body['weights'];
  if (typeof weights !== 'object' || weights === null || Array.isArray(weights)) {
    fail('weights request', [{ path: 'weights', message: 'must be an object of version → percent' }]);
  }
  const issues: FieldIssue[] = [];
  for (const [v, w] of Object.entries(weights as Body)) {
    if (typeof w !== 'number' || !Number.isFinite(w)) issues.push({ path: `weights.${v}`, message: 'must be a number' });
  }
  if (issues.length > 0) fail('weights request', issues);
  return { weights: weights as Record<string, number>, reason: reasonOf(body, 'weights request', 'admin API: weights') };
}

export function shadowRequest(raw: unknown): { version: string | undefined; reason: string } {
  const body = asBody(raw, 'shadow request');
  const version = body['version'];
  if (version !== null && (typeof version !== 'string' || version === '')) {
    fail('shadow request', [{ path: 'version', message: 'must be a version string, or null to turn the shadow off' }]);
  }
  return { version: (version as string | null) ?? undefined, reason: reasonOf(body, 'shadow request', 'admin API: shadow') };
}

export function jurisdictionsRequest(raw: unknown): { rules: JurisdictionRules; reason: string } {
  const body = asBody(raw, 'jurisdictions request');
  const issues: FieldIssue[] = [];
  const list = (key: 'allow' | 'deny'): readonly string[] | undefined => {
    const v = body[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((c) => typeof c !== 'string' || !/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(c))) {
      issues.push({ path: key, message: 'must be a list of ISO 3166 codes such as "US" or "DE"' });
      return undefined;
    }
    return v as string[];
  };
  const allow = list('allow');
  const deny = list('deny');
  if (issues.length > 0) fail('jurisdictions request', issues);
  return {
    rules: { ...(allow === undefined ? {} : { allow }), ...(deny === undefined ? {} : { deny }) },
    reason: reasonOf(body, 'jurisdictions request', 'admin API: jurisdictions'),
  };
}

export function plainRequest(raw: unknown, action: string): { reason: string } {
  return { reason: reasonOf(asBody(raw, `${action} request`), `${action} request`, `admin API: ${action}`) };
}

/**
 * A route from `PUT /admin/registry/:fn/routes/:route`: the body holds `when`, `requireTags`,
 * `avoidTags`, `mode` (and `reason`); the name comes from the path. Checked as the registry checks it.
 */
export function routeRequest(routeName: string, raw: unknown): { route: FunctionRoute; reason: string } {
  const body = asBody(raw, 'route request');
  const { reason: _reason, ...fields } = body;
  const route = { ...fields, name: routeName };
  const issues = routeIssues(route, 'route').map((i) => ({ ...i, path: i.path.replace(/^route\.?/, '') }));
  if (issues.length > 0) fail('route request', issues);
  return { route: route as unknown as FunctionRoute, reason: reasonOf(body, 'route request', `admin API: route ${routeName}`) };
}
