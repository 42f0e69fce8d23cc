// Wraps a decider's `decide` as a registered function, so the FunctionManager can route, version and validate it.
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { DomainEvent } from '../context/functionContext.js';
import { toDefinition, type FunctionDefinition, type FunctionMeta } from '../functions/defineFunction.js';
import type { Decider } from './decider.js';

/** The decide function's input: the command plus the state folded by the shell. */
export interface DecisionInput<Command, State> {
  readonly command: Command;
  readonly state: State;
}

export interface DecisionSpec<Name extends string> extends FunctionMeta {
  readonly name: Name;
  readonly version: string;
  /** Contract of the command: a malformed command is refused before decide runs. */
  readonly command: StandardSchemaV1;
  /** Contract of each produced event: an event that breaks it never reaches the store. */
  readonly event?: StandardSchemaV1;
}

type Result<T> = StandardSchemaV1.Result<T>;

function prefixed(issues: readonly StandardSchemaV1.Issue[], prefix: readonly PropertyKey[]): StandardSchemaV1.Issue[] {
  return issues.map((i) => ({ message: i.message, path: [...prefix, ...(i.path ?? [])] }));
}

function schema<T>(validate: (value: unknown) => Result<T> | Promise<Result<T>>): StandardSchemaV1<unknown, T> {
  return { '~standard': { version: 1, vendor: 'lucent', validate } };
}

function decisionInputSchema<C, S>(command: StandardSchemaV1): StandardSchemaV1<unknown, DecisionInput<C, S>> {
  return schema((value) => {
    if (typeof value !== 'object' || value === null || !('command' in value)) {
      return { issues: [{ message: 'expected { command, state }', path: ['command'] }] };
    }
    const v = value as { command: unknown; state: S };
    const settle = (r: Result<unknown>): Result<DecisionInput<C, S>> =>
      r.issues ? { issues: prefixed(r.issues, ['command']) } : { value: { command: r.value as C, state: v.state } };
    const r = command['~standard'].validate(v.command);
    return r instanceof Promise ? r.then(settle) : settle(r);
  });
}

function eventsSchema<E extends DomainEvent>(event: StandardSchemaV1 | undefined): StandardSchemaV1<unknown, E[]> {
  return schema<E[]>((value) => {
    if (!Array.isArray(value)) return { issues: [{ message: 'decide must return an array of events' }] };
    const issues: StandardSchemaV1.Issue[] = [];
    const out: E[] = [];
    value.forEach((e: unknown, i) => {
      if (typeof e !== 'object' || e === null || typeof (e as DomainEvent).type !== 'string') {
        issues.push({ message: 'an event needs a string type', path: [i, 'type'] });
        return;
      }
      if (event === undefined) {
        out.push(e as E);
        return;
      }
      const r = event['~standard'].validate(e);
      if (r instanceof Promise) {
        issues.push({ message: 'event contracts must be synchronous', path: [i] });
      } else if (r.issues) {
        issues.push(...prefixed(r.issues, [i]));
      } else {
        out.push(r.value as E);
      }
    });
    return issues.length > 0 ? { issues } : { value: out };
  });
}

/** The decide step of `decider` as a function definition named `spec.name`. */
export function decisionFunction<Name extends string, Command, Event extends DomainEvent, State>(
  spec: DecisionSpec<Name>,
  decider: Decider<Command, Event, State>,
): FunctionDefinition<Name, DecisionInput<Command, State>, Event[]> {
  const { command, event, ...rest } = spec;
  return toDefinition<Name, DecisionInput<Command, State>, Event[]>(
    { ...rest, input: decisionInputSchema<Command, State>(command), output: eventsSchema<Event>(event) },
    (input, ctx) => [...decider.decide(input.command, input.state, ctx)],
  );
}
