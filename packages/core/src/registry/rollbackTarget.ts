// Which version a rollback restores: the version that was active before the current one, read from the change history.
import { LucentError } from '../errors/errors.js';
import type { FunctionRules, RulesChangeRecord } from './functionRules.js';

/**
 * The version active just before `current.active` became active, from the function's recorded
 * changes (any order). `to` names the version explicitly; it must be registered and not already active.
 */
export function rollbackTarget(current: FunctionRules, history: readonly RulesChangeRecord[], to?: string): string {
  const name = current.name;
  if (to !== undefined) {
    if (!Object.prototype.hasOwnProperty.call(current.versions, to)) {
      throw new LucentError('FUNCTION_NOT_FOUND', `${name}@${to} is not registered; \`lucent registry show ${name}\` lists its versions`, { name, version: to });
    }
    if (to === current.active) throw new LucentError('CONFLICT', `${name}@${to} is already the active version`, { name, version: to });
    return to;
  }
  const ordered = [...history].sort((a, b) => b.revision - a.revision);
  // The newest change that made the current version active; the version active before it is the target.
  for (const record of ordered) {
    if (record.old !== null && record.new.active === current.active && record.old.active !== current.active) {
      const previous = record.old.active;
      if (Object.prototype.hasOwnProperty.call(current.versions, previous)) return previous;
    }
  }
  throw new LucentError(
    'CONFLICT',
    `${name} has no earlier active version in its history; name one with \`lucent registry rollback ${name} --to VERSION\``,
    { name },
  );
}
