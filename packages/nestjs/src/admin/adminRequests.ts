// Parses admin registry requests with their contracts (adminBodies.ts) into typed values, or a ValidationError naming each field.
import type { z } from 'zod';
import { routeIssues, ValidationError, type FieldIssue, type FunctionRoute, type JurisdictionRules } from '@lucent/core';
import { ActivateBody, HistoryQuery, JurisdictionsBody, ReasonBody, RouteBody, ShadowBody, WeightsBody } from './adminBodies.js';

/** `when[0].gte`, `weights.2.0.0`: list positions in brackets, as the registry's own checks write them. */
function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : at === '' ? String(key) : `${at}.${String(key)}`), '');
}

function fieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.flatMap((issue) =>
    // An unknown field is named on its own, not as its parent.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: issue.message }))
      : [{ path: pathOf(issue.path), message: issue.message }],
  );
}

/** The body (or query) as its contract parses it; no body at all reads as `{}`, since every field but a few is optional. */
function parse<S extends z.ZodType>(contract: S, raw: unknown, subject: string): z.output<S> {
  const result = contract.safeParse(raw ?? {});
  if (!result.success) throw new ValidationError('input', subject, fieldIssues(result.error.issues));
  return result.data;
}

export interface ActivateRequest {
  readonly version: string;
  readonly force: boolean;
  readonly reason: string;
}

export function activateRequest(raw: unknown): ActivateRequest {
  const body = parse(ActivateBody, raw, 'activate request');
  return { version: body.version, force: body.force, reason: body.reason ?? 'admin API: activate' };
}

export function weightsRequest(raw: unknown): { weights: Record<string, number>; reason: string } {
  const body = parse(WeightsBody, raw, 'weights request');
  return { weights: body.weights, reason: body.reason ?? 'admin API: weights' };
}

export function shadowRequest(raw: unknown): { version: string | undefined; reason: string } {
  const body = parse(ShadowBody, raw, 'shadow request');
  return { version: body.version ?? undefined, reason: body.reason ?? 'admin API: shadow' };
}

export function jurisdictionsRequest(raw: unknown): { rules: JurisdictionRules; reason: string } {
  const { allow, deny, reason } = parse(JurisdictionsBody, raw, 'jurisdictions request');
  return {
    rules: { ...(allow === undefined ? {} : { allow }), ...(deny === undefined ? {} : { deny }) },
    reason: reason ?? 'admin API: jurisdictions',
  };
}

export function plainRequest(raw: unknown, action: string): { reason: string } {
  return { reason: parse(ReasonBody, raw, `${action} request`).reason ?? `admin API: ${action}` };
}

/**
 * A route from `PUT /admin/registry/:fn/routes/:route`: the body holds `when`, `requireTags`,
 * `avoidTags`, `mode` (and `reason`); the name comes from the path. After the contract, the
 * registry's route check, for what a schema cannot say (the name, tags, a condition's test).
 */
export function routeRequest(routeName: string, raw: unknown): { route: FunctionRoute; reason: string } {
  const { reason, ...fields } = parse(RouteBody, raw, 'route request');
  const route: FunctionRoute = { ...fields, name: routeName };
  const issues = routeIssues(route, 'route').map((i) => ({ ...i, path: i.path.replace(/^route\.?/, '') }));
  if (issues.length > 0) throw new ValidationError('input', 'route request', issues);
  return { route, reason: reason ?? `admin API: route ${routeName}` };
}

/** `?limit=N` of the history request, as a number. */
export function historyLimit(query: unknown): number | undefined {
  const { limit } = parse(HistoryQuery, query, 'history request');
  return limit === undefined ? undefined : Number(limit);
}
