// Human-readable text for registry entries and history, as `lucent registry` prints them.
import type { RulesChangeRecord, RulesEntry } from '@lucent/core';

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

export function formatList(entries: readonly RulesEntry[]): string {
  if (entries.length === 0) return '(no functions in the registry)';
  const rows = [
    ['FUNCTION', 'STATE', 'ACTIVE', 'TRAFFIC', 'SHADOW', 'JURISDICTIONS', 'REV'],
    ...entries.map((e) => [
      e.name,
      e.rules.enabled ? 'enabled' : 'DISABLED',
      e.rules.active,
      weightsText(e),
      e.rules.shadow ?? '-',
      jurisdictionText(e),
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
    ...(r.placement ? [`  placement:     ${JSON.stringify(r.placement)}`] : []),
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
  return parts.length > 0 ? parts.join('; ') : 'no visible change';
}

export function formatHistory(changes: readonly RulesChangeRecord[]): string {
  if (changes.length === 0) return '(no recorded changes)';
  return changes
    .map((c) => `${new Date(c.at).toISOString()}  rev ${c.revision}  ${c.who}${c.forced ? ' (forced)' : ''}: ${changeSummary(c)} — ${c.why}`)
    .join('\n');
}
