// Turn a routing denial into the typed error a caller receives, so every transport reports it alike.
import { FunctionDisabledError, FunctionNotFoundError, LucentError } from '../errors/errors.js';
import type { RoutingCall, RoutingDenialCode } from './routingCall.js';

export function routingDeniedError(call: RoutingCall, denial: { denied: RoutingDenialCode; reason: string }): LucentError {
  switch (denial.denied) {
    case 'NOT_HOSTED':
      return new FunctionNotFoundError(call.functionName, call.version);
    case 'DISABLED':
      return new FunctionDisabledError(call.functionName);
    case 'NO_LIVE_SHARD':
    case 'PLACEMENT_UNSATISFIED':
    case 'NO_CAPACITY':
    case 'OVERLOADED':
      return new LucentError('UNAVAILABLE', denial.reason, {
        name: call.functionName,
        ...(call.version === undefined ? {} : { version: call.version }),
        routing: denial.denied,
      });
  }
}
