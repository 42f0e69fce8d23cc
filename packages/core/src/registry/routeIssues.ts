// What makes a function's routes unusable, as field issues naming the route and the field: checked on every registry write.
import type { FieldIssue } from '../errors/errors.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFact = (v: unknown): boolean => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
const conditionKeys = new Set(['fact', 'gt', 'gte', 'lt', 'lte', 'equals', 'in']);
const routeKeys = new Set(['name', 'when', 'requireTags', 'avoidTags', 'mode']);

function conditionIssues(c: unknown, at: string): FieldIssue[] {
  if (!isObject(c)) return [{ path: at, message: 'must be a condition object such as { "fact": "notional", "gte": 1000000 }' }];
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(c)) if (!conditionKeys.has(key)) issues.push({ path: `${at}.${key}`, message: 'is not a condition field (fact, gt, gte, lt, lte, equals, in)' });
  if (typeof c['fact'] !== 'string' || c['fact'].trim() === '') issues.push({ path: `${at}.fact`, message: 'must name a fact, e.g. "notional"' });
  for (const key of ['gt', 'gte', 'lt', 'lte'] as const) {
    const v = c[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) issues.push({ path: `${at}.${key}`, message: 'must be a finite number' });
  }
  if (c['equals'] !== undefined && !isFact(c['equals'])) issues.push({ path: `${at}.equals`, message: 'must be a string, a finite number or a boolean' });
  if (c['in'] !== undefined && (!Array.isArray(c['in']) || c['in'].length === 0 || !c['in'].every(isFact))) {
    issues.push({ path: `${at}.in`, message: 'must be a non-empty list of strings, finite numbers or booleans' });
  }
  const tests = ['gt', 'gte', 'lt', 'lte', 'equals', 'in'].filter((k) => c[k] !== undefined);
  if (tests.length === 0) issues.push({ path: at, message: 'needs a test: gt, gte, lt, lte, equals or in' });
  return issues;
}

function tagsIssues(tags: unknown, at: string): FieldIssue[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && t.trim() !== '' && t === t.trim())) {
    return [{ path: at, message: 'must be a list of non-empty tags without surrounding spaces' }];
  }
  return [];
}

/** Issues of one route at `at` (e.g. `placement.routes[0]`); empty when it is well-formed. */
export function routeIssues(route: unknown, at: string): FieldIssue[] {
  if (!isObject(route)) return [{ path: at, message: 'must be a route object' }];
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(route)) {
    if (!routeKeys.has(key)) {
      const why = key === 'functions' ? 'a route covers the function it is stored under; omit functions' : 'is not a route field (name, when, requireTags, avoidTags, mode)';
      issues.push({ path: `${at}.${key}`, message: why });
    }
  }
  const name = route['name'];
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) {
    issues.push({ path: `${at}.name`, message: 'must be 1-64 letters, digits, "_", "." or "-", e.g. "whales"' });
  }
  const when = route['when'];
  if (when !== undefined) {
    if (!Array.isArray(when)) issues.push({ path: `${at}.when`, message: 'must be a list of conditions' });
    else when.forEach((c: unknown, i) => issues.push(...conditionIssues(c, `${at}.when[${i}]`)));
  }
  issues.push(...tagsIssues(route['requireTags'], `${at}.requireTags`), ...tagsIssues(route['avoidTags'], `${at}.avoidTags`));
  const required = (route['requireTags'] as unknown[] | undefined) ?? [];
  const avoided = (route['avoidTags'] as unknown[] | undefined) ?? [];
  if (Array.isArray(required) && Array.isArray(avoided)) {
    if (required.length === 0 && avoided.length === 0) issues.push({ path: at, message: 'must require or avoid at least one tag' });
    const both = required.filter((t) => avoided.includes(t));
    if (both.length > 0) issues.push({ path: `${at}.avoidTags`, message: `cannot avoid a required tag (${both.join(', ')})` });
  }
  const mode = route['mode'];
  if (mode !== undefined && mode !== 'require' && mode !== 'prefer') issues.push({ path: `${at}.mode`, message: 'must be "require" or "prefer"' });
  return issues;
}

/** Issues of a function's routes: each route well-formed, names unique. */
export function routesIssues(routes: unknown, at = 'placement.routes'): FieldIssue[] {
  if (routes === undefined) return [];
  if (!Array.isArray(routes)) return [{ path: at, message: 'must be a list of routes' }];
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  routes.forEach((route: unknown, i) => {
    issues.push(...routeIssues(route, `${at}[${i}]`));
    const name = isObject(route) ? route['name'] : undefined;
    if (typeof name === 'string') {
      if (seen.has(name)) issues.push({ path: `${at}[${i}].name`, message: `route "${name}" is named twice` });
      seen.add(name);
    }
  });
  return issues;
}
