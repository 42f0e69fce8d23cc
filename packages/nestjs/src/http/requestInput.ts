// Checks on raw client input that no contract can make: JSON nesting before it is parsed, and strings PostgreSQL cannot store.
import { ValidationError, type FieldIssue } from '@lucent/core';

/**
 * The deepest nesting of arrays and objects in a JSON text, stopping as soon as it passes
 * `limit`: one pass over the characters, strings skipped, so a 10,000-level body costs no more
 * than its length and never reaches a recursive parser or validator.
 */
export function jsonNestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one (code units, no `u` flag).
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** NUL cannot be stored in a PostgreSQL text or jsonb value; a lone surrogate is not Unicode at all. */
function badStringReason(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (loneSurrogate.test(s)) return 'must be well-formed Unicode (it holds a lone surrogate)';
  return undefined;
}

/**
 * False when a JSON text cannot decode to a string `badStringIn` refuses, so the walk can be
 * skipped: JSON itself refuses a raw NUL, so a NUL needs a `\u` escape, and so does a lone
 * surrogate (UTF-8 cannot carry one; a decoded body holds surrogates only in pairs). A text with an
 * escape or a surrogate pair is walked as before.
 */
export function jsonTextMayHoldBadStrings(text: string): boolean {
  return text.includes('\\u') || anySurrogate.test(text);
}

const anySurrogate = /[\uD800-\uDFFF]/;

/** Whether any string (value or key) in `value` is one `badStringReason` refuses: the walk without paths. */
function holdsBadString(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      if (badStringReason(node) !== undefined) return true;
    } else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push(node[i]);
    } else if (node !== null && typeof node === 'object') {
      for (const key in node) {
        if (!Object.hasOwn(node, key)) continue;
        if (badStringReason(key) !== undefined) return true;
        stack.push((node as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

const joinPath = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/**
 * The first string (value or object key) in `value` that no store could keep, as a field issue
 * with its dotted path; undefined when every string is clean. Iterative, so depth costs no stack.
 */
export function badStringIn(value: unknown, root = ''): FieldIssue | undefined {
  // Clean input, the usual case, is walked once without building a path per node.
  if (!holdsBadString(value)) return undefined;
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, string];
    if (typeof node === 'string') {
      const reason = badStringReason(node);
      if (reason !== undefined) return { path: path || '(root)', message: reason };
    } else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push([node[i], joinPath(path, String(i))]);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
        const reason = badStringReason(key);
        if (reason !== undefined) return { path: joinPath(path, JSON.stringify(key)), message: `key ${reason}` };
        stack.push([child, joinPath(path, key)]);
      }
    }
  }
  return undefined;
}

/** Refuse (400 VALIDATION_FAILED naming the field) a request part holding a string no store can keep. */
export function assertStorableStrings(value: unknown, part: 'body' | 'params' | 'query'): void {
  const issue = badStringIn(value, part === 'body' ? '' : part);
  if (issue !== undefined) throw new ValidationError('input', `request ${part}`, [issue]);
}
