// Human-readable text for registry entries and history, as `lucent registry` prints them.
import { describeRoute, type FunctionRoute, type RulesChangeRecord, type RulesEntry } from '@lucent/core';

function weightsText(entry: RulesEntry): string {
  const { active, weights } = entry.rules;
  const others = Object.entries(weights).filter(([v, w]) => v !== active && w > 0);
  const rest = 100 - others.reduce((sum, [, w]) => sum + w, 0);
  return [[active, rest] as const, ...others].map(([v, w]) => `${v}=${Number(w.toFixed(2))}`).join(' ');
}

function jurisdictionText(entry: RulesEntry): string {
  const j = entry.rules.jurisdictions;
  const parts = [j?.allow?.length ? `allow ${j.allow.join(',')}` : '', j?.deny?.length ? `deny ${j.deny.join(',')}` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'any';
}

/** Route names in order, `-` for none. */
function routesText(entry: RulesEntry): string {
  const routes = entry.rules.placement?.routes ?? [];
  return routes.length > 0 ? routes.map((r) => r.name).join(',') : '-';
}

/** The placement besides its routes, or undefined when there is none. */
function placementText(entry: RulesEntry): string | undefined {
  const { routes: _routes, ...rest } = entry.rules.placement ?? {};
  return Object.keys(rest).length > 0 ? JSON.stringify(rest) : undefined;
}

/** `routes:` and one numbered line per route, in the order they apply. */
function routeLines(routes: readonly FunctionRoute[] | undefined): string[] {
  if (routes === undefined) return ['  routes:        -'];
  if (routes.length === 0) return ['  routes:        - (cleared: default routes are not seeded again)'];
  return ['  routes:', ...routes.map((route, i) => `    ${i + 1}. ${describeRoute(route)}`)];
}

export function formatList(entries: readonly RulesEntry[]): string {
  if (entries.length === 0) return '(no functions in the registry)';
  const rows = [
    ['FUNCTION', 'STATE', 'ACTIVE', 'TRAFFIC', 'SHADOW', 'JURISDICTIONS', 'ROUTES', 'REV'],
    ...entries.map((e) => [
      e.name,
      e.rules.enabled ? 'enabled' : 'DISABLED',
      e.rules.active,
      weightsText(e),
      e.rules.shadow ?? '-',
      jurisdictionText(e),
      routesText(e),
      String(e.revision),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function formatEntry(entry: RulesEntry): string {
  const r = entry.rules;
  const lines = [
    `${entry.name} (revision ${entry.revision})`,
    `  state:         ${r.enabled ? 'enabled' : 'DISABLED'}`,
    `  active:        ${r.active}`,
    `  traffic:       ${weightsText(entry)}`,
    `  shadow:        ${r.shadow ?? '-'}`,
    `  jurisdictions: ${jurisdictionText(entry)}`,
    ...(r.priority ? [`  priority:      ${r.priority}`] : []),
    ...(placementText(entry) === undefined ? [] : [`  placement:     ${placementText(entry)}`]),
    ...routeLines(r.placement?.routes),
    '  versions:',
    ...Object.values(r.versions)
      .sort((a, b) => a.version.localeCompare(b.version, undefined, { numeric: true }))
      .map(
        (v) =>
          `    ${v.version.padEnd(12)} input ${v.fingerprint.input.slice(0, 19)}…  output ${v.fingerprint.output.slice(0, 19)}…` +
          (v.bundle ? `  bundle ${v.bundle.location}` : ''),
      ),
  ];
  return lines.join('\n');
}

/** What changed in a function's routes: added, changed (with the new rule) and removed, by name. */
function routeChanges(before: readonly FunctionRoute[], after: readonly FunctionRoute[]): string[] {
  const old = new Map(before.map((r) => [r.name, r]));
  const parts: string[] = [];
  for (const r of after) {
    const was = old.get(r.name);
    if (was === undefined) parts.push(`route added ${describeRoute(r)}`);
    else if (JSON.stringify(was) !== JSON.stringify(r)) parts.push(`route changed ${describeRoute(r)}`);
  }
  const kept = new Set(after.map((r) => r.name));
  const removed = before.filter((r) => !kept.has(r.name)).map((r) => r.name);
  if (removed.length > 0) parts.push(`route${removed.length > 1 ? 's' : ''} removed ${removed.join(', ')}`);
  return parts;
}

function changeSummary(c: RulesChangeRecord): string {
  const o = c.old;
  const n = c.new;
  if (o === null) return `created, active ${n.active}`;
  const parts: string[] = [];
  const added = Object.keys(n.versions).filter((v) => !(v in o.versions));
  if (added.length > 0) parts.push(`registered ${added.join(', ')}`);
  if (o.active !== n.active) parts.push(`active ${o.active} → ${n.active}`);
  if (JSON.stringify(o.weights) !== JSON.stringify(n.weights)) parts.push(`weights ${JSON.stringify(o.weights)} → ${JSON.stringify(n.weights)}`);
  if (o.shadow !== n.shadow) parts.push(`shadow ${o.shadow ?? 'off'} → ${n.shadow ?? 'off'}`);
  if (o.enabled !== n.enabled) parts.push(n.enabled ? 'enabled' : 'disabled');
  if (JSON.stringify(o.jurisdictions ?? {}) !== JSON.stringify(n.jurisdictions ?? {})) {
    parts.push(`jurisdictions ${JSON.stringify(n.jurisdictions ?? {})}`);
  }
  parts.push(...routeChanges(o.placement?.routes ?? [], n.placement?.routes ?? []));
  return parts.length > 0 ? parts.join('; ') : 'no visible change';
}

export function formatHistory(changes: readonly RulesChangeRecord[]): string {
  if (changes.length === 0) return '(no recorded changes)';
  return changes
    .map((c) => `${new Date(c.at).toISOString()}  rev ${c.revision}  ${c.who}${c.forced ? ' (forced)' : ''}: ${changeSummary(c)} — ${c.why}`)
    .join('\n');
}
