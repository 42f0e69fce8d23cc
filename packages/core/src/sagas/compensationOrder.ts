// Which recorded compensation runs next: newest first, one at a time, each index exactly once.
import type { SagaCommand } from './sagaDefinition.js';
import type { SagaInstance } from './sagaInstance.js';

/** The next compensation to run (its index in record order), or undefined when all are done. */
export function nextCompensation<C extends SagaCommand>(
  instance: Pick<SagaInstance<unknown, C>, 'compensations' | 'compensated'>,
): { readonly index: number; readonly command: C } | undefined {
  const index = instance.compensations.length - 1 - instance.compensated;
  const command = instance.compensations[index];
  return index >= 0 && command !== undefined ? { index, command } : undefined;
}

/** The order compensations run in: the reverse of the order they were recorded. */
export function compensationOrder<C>(recorded: readonly C[]): C[] {
  return [...recorded].reverse();
}
