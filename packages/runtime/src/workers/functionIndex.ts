// How a worker thread finds a definition: by name and version in a registry module's exported function map.
import { isFunctionDefinition, type AnyFunctionDefinition } from '@lucent/core';

export type FunctionIndex = ReadonlyMap<string, AnyFunctionDefinition>;

export function functionKey(name: string, version: string): string {
  return `${name}@${version}`;
}

/**
 * Index every definition found in `exported` (a generated `functionRegistry` map, an array,
 * or a map of maps), so a registry that keeps several versions of one name under other keys
 * still resolves each exact version.
 */
export function indexFunctions(exported: unknown): FunctionIndex {
  const index = new Map<string, AnyFunctionDefinition>();
  const visit = (value: unknown, depth: number): void => {
    if (isFunctionDefinition(value)) {
      index.set(functionKey(value.name, value.version), value);
      return;
    }
    if (depth > 2 || typeof value !== 'object' || value === null) return;
    for (const item of Array.isArray(value) ? value : Object.values(value)) visit(item, depth + 1);
  };
  visit(exported, 0);
  return index;
}
