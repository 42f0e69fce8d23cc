// A decider: the write model of one stream as three pure functions — start state, fold an event, decide a command.
import type { DomainEvent, FunctionContext } from '../context/functionContext.js';

export interface Decider<Command, Event extends DomainEvent, State> {
  /** State of a stream with no events. */
  initialState(): State;
  /** Apply one event; must not throw for any event the decider itself produced. */
  evolve(state: State, event: Event): State;
  /**
   * The events a command produces in `state`, or a thrown LucentError (e.g. RuleViolationError)
   * when the command is refused. Time and ids come from `ctx`, never from the clock.
   */
  decide(command: Command, state: State, ctx: FunctionContext): readonly Event[];
}

/** Left fold of events over the decider's state. */
export function foldEvents<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  events: Iterable<Event>,
  from: State = decider.initialState(),
): State {
  let state = from;
  for (const e of events) state = decider.evolve(state, e);
  return state;
}
