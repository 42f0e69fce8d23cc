// At start, a service writes its default routes to the registry, for functions that never had any: an operator's routes survive restarts.
import { coversFunction, LucentError, routesFor, setPlacement, type ChangeAudit, type RoutingRule, type RulesEntry } from '@lucent/core';
import type { RegistryStore } from './registryStore.js';

/** What happened to one function's routes. */
export interface SeededRoutes {
  readonly name: string;
  /** seeded: the defaults were written; kept: the function already had routes (possibly an operator's empty list). */
  readonly outcome: 'seeded' | 'kept';
  readonly routes: readonly string[];
}

const maxAttempts = 8;

/**
 * Give every function in the registry that some default covers (by name or `prefix.*`) those
 * routes, unless its placement already has a `routes` list, even an empty one: routes are the
 * operator's once written, and `lucent registry route <fn> --clear` leaves `[]` so nothing comes back.
 * Run it after the compiled-in versions are registered. Nodes starting together race on the same
 * keys; compare-and-set makes the outcome the same as one writer's.
 */
export async function seedDefaultRoutes(store: RegistryStore, defaults: readonly RoutingRule[], audit: ChangeAudit): Promise<SeededRoutes[]> {
  const out: SeededRoutes[] = [];
  for (const entry of await store.list()) {
    if (!defaults.some((rule) => coversFunction(rule, entry.name))) continue;
    out.push(await seedOne(store, entry, defaults, audit));
  }
  return out;
}

async function seedOne(store: RegistryStore, first: RulesEntry, defaults: readonly RoutingRule[], audit: ChangeAudit): Promise<SeededRoutes> {
  const routes = routesFor(first.name, defaults);
  let entry: RulesEntry | undefined = first;
  for (let attempt = 1; entry !== undefined; attempt++) {
    const existing = entry.rules.placement?.routes;
    if (existing !== undefined) return { name: entry.name, outcome: 'kept', routes: existing.map((r) => r.name) };
    try {
      await store.compareAndSet(entry.name, entry.revision, setPlacement(entry.rules, { ...entry.rules.placement, routes }), audit);
      return { name: entry.name, outcome: 'seeded', routes: routes.map((r) => r.name) };
    } catch (error) {
      if (!(error instanceof LucentError) || error.code !== 'REGISTRY_CONFLICT' || attempt >= maxAttempts) throw error;
      entry = await store.get(first.name);
    }
  }
  throw new LucentError('FUNCTION_NOT_FOUND', `No rules for ${first.name} in the registry`, { name: first.name });
}
