// How a remote call looks to the router: built in one place for the client's plain calls and the registry's selected ones.
import type { AnyFunctionDefinition, CallFact, FunctionRules, Priority, RoutingCall } from '@lucent/core';

/** The parts of a call's options that routing reads. */
export interface RoutingOptions {
  readonly version?: string;
  readonly facts?: Readonly<Record<string, CallFact>>;
  readonly priority?: Priority;
}

/** A call that carries nothing call-specific for the router, so its RoutingCall can be reused. */
export const isPlainCall = (options: RoutingOptions): boolean =>
  options.version === undefined && options.facts === undefined && options.priority === undefined;

/**
 * core's `routingCallOf` needs the caller's definition and pins its version; a remote caller may
 * not know the function, and an unpinned call may go to any hosted version.
 */
export function routingCallFor(
  name: string,
  fn: AnyFunctionDefinition | undefined,
  version: string | undefined,
  options: RoutingOptions,
  rules?: Pick<FunctionRules, 'priority' | 'placement'> & { readonly enabled?: boolean },
): RoutingCall {
  const meta = fn?.meta;
  const priority = options.priority ?? rules?.priority ?? meta?.priority;
  return {
    functionName: name,
    ...(version === undefined ? {} : { version }),
    ...(meta?.shardAffinity === undefined ? {} : { shardAffinity: meta.shardAffinity }),
    ...(meta?.resources === undefined ? {} : { resources: meta.resources }),
    ...(priority === undefined ? {} : { priority }),
    ...(options.facts === undefined ? {} : { facts: options.facts }),
    ...(rules?.placement === undefined ? {} : { placement: rules.placement }),
    ...(rules?.enabled === true ? { enabledByRegistry: true as const } : {}),
  };
}
