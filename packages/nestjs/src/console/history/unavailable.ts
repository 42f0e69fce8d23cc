// The refusal of a history endpoint whose source the service did not give the console.
import { LucentError } from '@lucent/core';

export function unavailable(what: string, option: string): LucentError {
  return new LucentError('UNAVAILABLE', `This service gave the console no ${what} (its history option \`${option}\`)`, { option });
}
