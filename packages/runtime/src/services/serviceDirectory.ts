// ServiceDirectory: the typed map through which one service class reaches another, in the caller's scope.
import { LucentError } from '@lucent/core';
import type { ScopeInit } from './serviceScope.js';

/** What a directory holds: anything that can be viewed in a request's scope (every LucentServiceBase). */
export interface ScopedService {
  inScope(init: ScopeInit): this;
}

/** Service name → service class instance, as a service declares what it needs (`{ risk: RiskFunctionManager }`). */
export type ServiceMap = { readonly [name: string]: ScopedService };

/** The read side a service depends on: a directory holding at least the services it names. */
export interface ServiceLookup<S extends ServiceMap> {
  get<K extends keyof S & string>(name: K): S[K];
}

/**
 * Filled at wiring time (services may name each other, so a directory is built first and each
 * service added once constructed); read on each request. Names and types are checked at compile
 * time; a name added twice, or read before it was added, is a typed error naming it.
 */
export class ServiceDirectory<S extends ServiceMap> implements ServiceLookup<S> {
  private readonly services = new Map<string, ScopedService>();

  add<K extends keyof S & string>(name: K, service: S[K]): this {
    if (this.services.has(name)) throw new LucentError('CONFLICT', `Service ${name} is already in the directory`, { service: name });
    this.services.set(name, service);
    return this;
  }

  get<K extends keyof S & string>(name: K): S[K] {
    const service = this.services.get(name);
    if (service === undefined) throw new LucentError('UNAVAILABLE', `No service ${name} in the directory: add it when wiring the service`, { service: name });
    return service as S[K];
  }
}
