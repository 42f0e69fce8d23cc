// GET /console/api/bundles rows from what a node's BundleDeployer made of each bundle: the versions it loaded, or why it refused.
import type { BundleOutcome } from '@lucent/runtime';
import type { ConsoleBundle } from './consoleOptions.js';

export function bundleRows(node: string, outcomes: readonly BundleOutcome[]): ConsoleBundle[] {
  const rows: ConsoleBundle[] = [];
  for (const o of outcomes) {
    if (o.status === 'loaded') {
      for (const fn of o.functions) {
        const at = fn.lastIndexOf('@');
        rows.push({ name: at > 0 ? fn.slice(0, at) : fn, version: at > 0 ? fn.slice(at + 1) : null, status: 'loaded', reason: null, bundle: o.id, node });
      }
      continue;
    }
    const reason = o.error instanceof Error ? o.error.message : String(o.error);
    rows.push({ name: o.id, version: null, status: o.status, reason, bundle: o.id, node });
  }
  return rows;
}
