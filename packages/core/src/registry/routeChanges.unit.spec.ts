// Route edits and the checks every registry write applies to routes: well-formed conditions, finite numbers, real tags, unique names.
import { describe, expect, it } from 'vitest';
import type { FunctionRoute } from '../routing/routingRules.js';
import { checkRulesChange } from './checkRulesChange.js';
import type { FunctionRules } from './functionRules.js';
import { clearRoutes, removeRoute, setRoute } from './routeChanges.js';
import { initialRules } from './ruleChanges.js';

const who = { who: 'ops', why: 'test' };
const base = initialRules('trading.placeOrder', { version: '1.0.0', fingerprint: { input: 'sha256:i', output: 'sha256:o' } });
const whales: FunctionRoute = { name: 'whales', when: [{ fact: 'notional', gte: 1_000_000 }], requireTags: ['whale'] };

function issuesOf(routes: unknown): { path: string; message: string }[] {
  const rules = { ...base, placement: { routes } } as unknown as FunctionRules;
  try {
    checkRulesChange(base.name, base, rules, who);
    return [];
  } catch (error) {
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    return (error as { issues: { path: string; message: string }[] }).issues;
  }
}

describe('route edits', () => {
  it('adds routes in order, replaces one by name where it stands, removes and clears', () => {
    const small: FunctionRoute = { name: 'small', avoidTags: ['whale'] };
    const two = setRoute(setRoute(base, whales), small);
    expect(two.placement?.routes?.map((r) => r.name)).toEqual(['whales', 'small']);
    const moved = setRoute(two, { ...whales, when: [{ fact: 'notional', gte: 500_000 }] });
    expect(moved.placement?.routes?.[0]?.when).toEqual([{ fact: 'notional', gte: 500_000 }]);
    expect(removeRoute(moved, 'whales').placement?.routes).toEqual([small]);
    expect(clearRoutes(moved).placement?.routes).toEqual([]);
  });

  it('keeps the rest of the placement when routes change', () => {
    const placed = { ...base, placement: { requireTags: ['eu'] } };
    expect(setRoute(placed, whales).placement).toEqual({ requireTags: ['eu'], routes: [whales] });
  });

  it('refuses to remove a route that is not there, naming the routes that are', () => {
    expect(() => removeRoute(setRoute(base, whales), 'dolphins')).toThrow(/no route "dolphins" \(its routes: whales\)/);
  });
});

describe('route checks on every write', () => {
  it('accepts well-formed routes', () => {
    expect(issuesOf([whales, { name: 'eth', when: [{ fact: 'pair', in: ['ETH-USDC'] }], avoidTags: ['slow'], mode: 'prefer' }])).toEqual([]);
  });

  it('names the field of a malformed condition', () => {
    expect(issuesOf([{ name: 'r', when: [{ fact: 'notional', gte: Number.POSITIVE_INFINITY }], requireTags: ['whale'] }])).toEqual([
      { path: 'placement.routes[0].when[0].gte', message: 'must be a finite number' },
    ]);
    expect(issuesOf([{ name: 'r', when: [{ fact: 'notional', gte: '5' }], requireTags: ['whale'] }])[0]?.path).toBe('placement.routes[0].when[0].gte');
    expect(issuesOf([{ name: 'r', when: [{ fact: '', gte: 5 }], requireTags: ['whale'] }])[0]?.path).toBe('placement.routes[0].when[0].fact');
    expect(issuesOf([{ name: 'r', when: [{ fact: 'x' }], requireTags: ['whale'] }])[0]?.message).toMatch(/needs a test/);
    expect(issuesOf([{ name: 'r', when: [{ fact: 'x', in: [] }], requireTags: ['whale'] }])[0]?.path).toBe('placement.routes[0].when[0].in');
    expect(issuesOf([{ name: 'r', when: [{ fact: 'x', above: 1 }], requireTags: ['whale'] }])[0]?.path).toBe('placement.routes[0].when[0].above');
  });

  it('refuses empty or blank tags, a route with no tags, a tag both required and avoided, and an unknown mode', () => {
    expect(issuesOf([{ name: 'r', requireTags: [''] }])[0]?.path).toBe('placement.routes[0].requireTags');
    expect(issuesOf([{ name: 'r', avoidTags: [' whale'] }])[0]?.path).toBe('placement.routes[0].avoidTags');
    expect(issuesOf([{ name: 'r' }])[0]?.message).toMatch(/require or avoid at least one tag/);
    expect(issuesOf([{ name: 'r', requireTags: ['a'], avoidTags: ['a'] }])[0]?.message).toMatch(/cannot avoid a required tag/);
    expect(issuesOf([{ name: 'r', requireTags: ['a'], mode: 'sometimes' }])[0]?.path).toBe('placement.routes[0].mode');
  });

  it('refuses duplicate or malformed names, and a functions field (a route covers the function it is stored under)', () => {
    expect(issuesOf([whales, whales])).toEqual([{ path: 'placement.routes[1].name', message: 'route "whales" is named twice' }]);
    expect(issuesOf([{ ...whales, name: 'two words' }])[0]?.path).toBe('placement.routes[0].name');
    expect(issuesOf([{ ...whales, functions: ['x.*'] }])[0]?.message).toMatch(/omit functions/);
    expect(issuesOf({ whales })[0]).toEqual({ path: 'placement.routes', message: 'must be a list of routes' });
  });
});
