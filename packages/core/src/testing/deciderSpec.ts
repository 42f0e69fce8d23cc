// given/when/then for deciders: given past events, when a command, then the new events or a typed error.
import { InvocationContext, type ContextSeed, type DomainEvent } from '../context/functionContext.js';
import { canonicalJson } from '../contracts/contract.js';
import { foldEvents, type Decider } from '../deciders/decider.js';
import { LucentError, type ErrorCode } from '../errors/errors.js';

const defaultSeed: ContextSeed = { now: 1_700_000_000_000, seed: 'decider-spec' };

export interface DeciderThen<E> {
  /** The command produces exactly these events (compared as canonical JSON). */
  then(expected: readonly E[]): void;
  /** The command is refused with a LucentError of this code; returns it for further checks. */
  thenThrows(code: ErrorCode): LucentError;
}

/**
 * ```ts
 * deciderSpec(position).given([opened]).when({ type: 'Borrow', ... }).then([borrowed]);
 * ```
 * The context is fixed (`seed`), so ids and times in the events are reproducible.
 */
export function deciderSpec<C, E extends DomainEvent, S>(decider: Decider<C, E, S>, seed: ContextSeed = defaultSeed) {
  return {
    given(events: readonly E[]) {
      return {
        when(command: C): DeciderThen<E> {
          const run = (): readonly E[] => decider.decide(command, foldEvents(decider, events), new InvocationContext(seed));
          return {
            then(expected) {
              const actual = run();
              if (canonicalJson(actual) !== canonicalJson(expected)) {
                throw new Error(`Expected events\n  ${canonicalJson(expected)}\nbut decide returned\n  ${canonicalJson(actual)}`);
              }
              // The events must also fold: a decider that emits what it cannot evolve is broken.
              foldEvents(decider, [...events, ...actual]);
            },
            thenThrows(code) {
              let produced: readonly E[];
              try {
                produced = run();
              } catch (error) {
                if (error instanceof LucentError && error.code === code) return error;
                throw new Error(`Expected a LucentError ${code} but decide threw ${String(error)}`);
              }
              throw new Error(`Expected a LucentError ${code} but decide returned ${canonicalJson(produced)}`);
            },
          };
        },
      };
    },
  };
}
