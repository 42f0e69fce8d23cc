// Jurisdiction rules, decided once: the one pure check every path (function metadata, registry rules, replay) calls.
import type { JurisdictionRules } from './functionRules.js';

/**
 * A jurisdiction code as rules and callers compare it: trimmed and upper-cased (' us ' → 'US').
 * Undefined for undefined or a blank code, so a blank claim counts as no jurisdiction.
 */
export function normaliseJurisdiction(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  const n = code.trim().toUpperCase();
  return n === '' ? undefined : n;
}

function normaliseList(list: readonly string[] | undefined): readonly string[] | undefined {
  if (list === undefined) return undefined;
  const out: string[] = [];
  for (const code of list) {
    const n = normaliseJurisdiction(code);
    if (n !== undefined && !out.includes(n)) out.push(n);
  }
  return out;
}

/** Rules with every code normalised (blank codes dropped, duplicates removed); applied where rules are written. */
export function normaliseJurisdictionRules(rules: JurisdictionRules): JurisdictionRules {
  const allow = normaliseList(rules.allow);
  const deny = normaliseList(rules.deny);
  return { ...(allow === undefined ? {} : { allow }), ...(deny === undefined ? {} : { deny }) };
}

function listed(list: readonly string[], code: string): boolean {
  // Rules written before codes were normalised on write still match: each code is normalised here too.
  for (const c of list) if (c === code || normaliseJurisdiction(c) === code) return true;
  return false;
}

/**
 * May a caller in `jurisdiction` call under these rules? No rules: yes. Deny wins over allow. A
 * non-empty allow list admits only its codes, so a caller without a jurisdiction is refused; an
 * empty allow list (`allow: []`) restricts nothing, the same as no allow list. Codes compare
 * normalised (`normaliseJurisdiction`).
 */
export function jurisdictionAllowed(rules: JurisdictionRules | undefined, jurisdiction: string | undefined): boolean {
  if (rules === undefined) return true;
  const code = normaliseJurisdiction(jurisdiction);
  if (rules.deny !== undefined && code !== undefined && listed(rules.deny, code)) return false;
  if (rules.allow !== undefined && rules.allow.length > 0) return code !== undefined && listed(rules.allow, code);
  return true;
}
