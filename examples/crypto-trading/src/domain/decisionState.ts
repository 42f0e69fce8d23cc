// A decider served as a function checks the state it is handed against a contract, as it checks the command.
import { z } from 'zod';
import { validate, type Decider, type DomainEvent } from '@lucent/core';

/**
 * `decider` whose decide step first checks its state against `contract`. decisionFunction checks
 * the command and hands the state through as sent, and a caller of `POST /functions/<name>` sends
 * both: a state that breaks the contract is refused like any bad input (VALIDATION_FAILED, with
 * paths under `state.`) instead of failing inside decide. A state folded by the shell from the
 * decider's own events always passes.
 */
export function withStateContract<Command, Event extends DomainEvent, State>(
  name: string,
  contract: z.ZodType<State>,
  decider: Decider<Command, Event, State>,
): Decider<Command, Event, State> {
  const input = z.object({ state: contract });
  return {
    ...decider,
    decide: (command, state, ctx) => decider.decide(command, (validate(input, { state }, 'input', name) as { state: State }).state, ctx),
  };
}
