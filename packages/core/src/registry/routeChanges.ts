// Pure edits of a function's routes, one per `lucent registry route` action: add or replace by name, remove one, clear.
import { LucentError } from '../errors/errors.js';
import type { FunctionRoute } from '../routing/routingRules.js';
import type { FunctionRules } from './functionRules.js';

function withRoutes(rules: FunctionRules, routes: readonly FunctionRoute[]): FunctionRules {
  return { ...rules, placement: { ...rules.placement, routes } };
}

/** Add `route`, or replace the route of the same name where it stands (order decides which applies first). */
export function setRoute(rules: FunctionRules, route: FunctionRoute): FunctionRules {
  const routes = rules.placement?.routes ?? [];
  const at = routes.findIndex((r) => r.name === route.name);
  return withRoutes(rules, at < 0 ? [...routes, route] : routes.map((r, i) => (i === at ? route : r)));
}

/** Remove the route named `name`; an unknown name is refused (FUNCTION_NOT_FOUND names the routes there are). */
export function removeRoute(rules: FunctionRules, name: string): FunctionRules {
  const routes = rules.placement?.routes ?? [];
  if (!routes.some((r) => r.name === name)) {
    const known = routes.map((r) => r.name);
    throw new LucentError('FUNCTION_NOT_FOUND', `${rules.name} has no route "${name}" (${known.length > 0 ? `its routes: ${known.join(', ')}` : 'it has no routes'})`, {
      name: rules.name,
      route: name,
    });
  }
  return withRoutes(rules, routes.filter((r) => r.name !== name));
}

/**
 * Remove every route. The list stays, empty: a service seeding default routes at start seeds only a
 * function that never had any, so an operator's clear survives restarts.
 */
export function clearRoutes(rules: FunctionRules): FunctionRules {
  return withRoutes(rules, []);
}
