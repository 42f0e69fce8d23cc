// CommandBus and QueryBus: a typed map from message name to its one handler, and a dispatch.
import { LucentError } from '@lucent/core';

/** Names a bus accepts, each with its message and result types. */
export type BusDefinitions = Record<string, { readonly message: unknown; readonly result: unknown }>;

export type BusHandler<D extends BusDefinitions, K extends keyof D> = (message: D[K]['message']) => Promise<D[K]['result']>;

class SingleHandlerBus<D extends BusDefinitions> {
  private readonly handlers = new Map<keyof D, (message: unknown) => Promise<unknown>>();

  constructor(private readonly kind: 'command' | 'query') {}

  register<K extends keyof D & string>(name: K, handler: BusHandler<D, K>): this {
    if (this.handlers.has(name)) throw new LucentError('CONFLICT', `A ${this.kind} handler for ${name} is already registered`);
    this.handlers.set(name, handler as (message: unknown) => Promise<unknown>);
    return this;
  }

  protected dispatch<K extends keyof D & string>(name: K, message: D[K]['message']): Promise<D[K]['result']> {
    const handler = this.handlers.get(name);
    if (handler === undefined) {
      return Promise.reject(new LucentError('FUNCTION_NOT_FOUND', `No ${this.kind} handler is registered for ${name}`, { name }));
    }
    return handler(message) as Promise<D[K]['result']>;
  }
}

export class CommandBus<D extends BusDefinitions = BusDefinitions> extends SingleHandlerBus<D> {
  constructor() {
    super('command');
  }

  execute<K extends keyof D & string>(name: K, command: D[K]['message']): Promise<D[K]['result']> {
    return this.dispatch(name, command);
  }
}

export class QueryBus<D extends BusDefinitions = BusDefinitions> extends SingleHandlerBus<D> {
  constructor() {
    super('query');
  }

  ask<K extends keyof D & string>(name: K, query: D[K]['message']): Promise<D[K]['result']> {
    return this.dispatch(name, query);
  }
}
