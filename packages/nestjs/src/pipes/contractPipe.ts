// ContractPipe(contract): a NestJS pipe that validates a body (or query, param) with a function's Standard Schema contract.
import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { isFunctionDefinition, validate, type Contract, type FunctionDefinition } from '@lucent/core';

export interface ContractPipeOptions {
  /** Named in the error message ("Invalid input for <subject>"); defaults to the function's name or the argument. */
  readonly subject?: string;
}

function subjectOf(metadata: ArgumentMetadata): string {
  return metadata.data === undefined ? `request ${metadata.type}` : `request ${metadata.type} ${metadata.data}`;
}

/**
 * The same check FunctionManager runs at its boundary, for class-style controllers:
 * `@Body(ContractPipe(healthFactor)) input: InputOf<typeof healthFactor>`. The handler gets the
 * parsed value (defaults and coercions applied); a bad value is a ValidationError, which
 * LucentExceptionFilter answers with 400 and the path of each failing field.
 */
export function ContractPipe<T>(
  contract: Contract<T> | FunctionDefinition<string, T, unknown>,
  options: ContractPipeOptions = {},
): PipeTransform<unknown, T | Promise<T>> {
  const fn = isFunctionDefinition(contract) ? contract : undefined;
  const schema = (fn === undefined ? contract : fn.input) as Contract<T>;
  const named = options.subject ?? fn?.name;
  return {
    transform(value: unknown, metadata: ArgumentMetadata): T | Promise<T> {
      return validate(schema, value, 'input', named ?? subjectOf(metadata));
    },
  };
}
