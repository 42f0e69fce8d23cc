// LucentServiceBase: what a service class (the imperative shell) inherits — typed, traced, logged calls into the core, in a request's scope.
import { randomUUID } from 'node:crypto';
import { trace, type Tracer } from '@opentelemetry/api';
import {
  isLucentError,
  LucentError,
  silentLogger,
  type BusinessMetadata,
  type FunctionMap,
  type FunctionName,
  type InputOf,
  type InvocationResult,
  type Logger,
  type OutputOf,
} from '@lucent/core';
import type { AppendOptions, AppendResult, EventMetadata, EventStore, NewEvent } from '../eventStore/eventStore.js';
import type { InvokeOptions, Invoker, Placement } from '../invoker/invoker.js';
import { businessAttributes, inSpan, parentContext, SpanKind, spanParent, traceparentOf, traceparentOfSpan, tracingActive } from '../observability/tracing.js';
import { boundLogger } from './boundLogger.js';
import type { ScopedService, ServiceLookup, ServiceMap } from './serviceDirectory.js';
import { businessFields, rootScope, serviceScope, type ScopeInit, type ServiceScope } from './serviceScope.js';

export * from './serviceDirectory.js';
export * from './serviceScope.js';

export interface ServiceDependencies<S extends ServiceMap = Record<never, never>> {
  /** Runs the functions: in this process, on a shard, or routed between them. */
  readonly invoker: Invoker;
  readonly logger?: Logger;
  /** Where `publish` appends; a service that publishes nothing may leave it out. */
  readonly events?: Pick<EventStore, 'append'>;
  /** The other services this one requests, by name. */
  readonly services?: ServiceLookup<S>;
}

/** Invoke options a service may set per call; ids and trace come from the scope. `business` adds to the scope's. */
export type ServiceCallOptions = Omit<InvokeOptions, 'correlationId' | 'causationId' | 'traceparent'>;

/**
 * Base class of service classes. `R` is the generated registry (`FunctionRegistry`), so
 * `this.call('risk.healthFactor', input)` refuses unknown names and wrong inputs at compile time and
 * types the output; `S` names the services this one requests (`{ prices: PriceOracle }`).
 *
 * One instance serves every request. Per-request facts live in a scoped view: `inScope(call)` or
 * `withBusiness({ userId })` returns a frozen object whose prototype is the instance, holding only
 * the scope and a logger bound to it, so concurrent requests never share mutable state. A view's
 * calls carry its business context and correlation id to the function; its events carry them too.
 * (Views inherit through the prototype chain: subclasses keep state in TypeScript `private`
 * fields, which a view reads, not in `#private` ones, which it cannot.)
 */
export abstract class LucentServiceBase<R extends FunctionMap, S extends ServiceMap = Record<never, never>> implements ScopedService {
  readonly serviceName: string;
  protected readonly invoker: Invoker;
  protected readonly tracer: Tracer;
  /** This view's request facts; the shared instance's scope is empty. */
  protected readonly scope: ServiceScope = rootScope;
  /** Bound to the service name, and in a view to the scope's business fields and correlation id. */
  protected readonly log: Logger;
  private readonly baseLogger: Logger;
  private readonly eventStore: Pick<EventStore, 'append'> | undefined;
  private readonly services: ServiceLookup<S> | undefined;
  private readonly root: LucentServiceBase<R, S>;

  protected constructor(deps: ServiceDependencies<S>, serviceName: string = new.target.name) {
    this.serviceName = serviceName;
    this.invoker = deps.invoker;
    this.baseLogger = deps.logger ?? silentLogger;
    this.log = boundLogger(this.baseLogger, { service: serviceName });
    this.eventStore = deps.events;
    this.services = deps.services;
    this.tracer = trace.getTracer(`lucent.${serviceName}`);
    this.root = this;
  }

  /** A view of this service in a request's scope (an HTTP CallContext fits: business, correlationId, traceparent). */
  inScope(init: ScopeInit): this {
    const scope = serviceScope(init);
    const view = Object.create(this.root) as this;
    Object.defineProperties(view, {
      scope: { value: scope, enumerable: true },
      log: { value: boundLogger(this.baseLogger, scopeFields(this.serviceName, scope)), enumerable: true },
    });
    // Frozen: a method that tries to keep request state on the service fails loudly instead of leaking it.
    return Object.freeze(view);
  }

  /** This view with `business` added (a new correlation id when called on the shared instance). */
  withBusiness(business: BusinessMetadata): this {
    return this.inScope({ ...this.scope, business: { ...this.scope.business, ...business } });
  }

  /** The business context calls from this view carry. */
  get business(): BusinessMetadata {
    return this.scope.business;
  }

  /**
   * Run a function of the registry in this view's scope: a span around the call, the trace context,
   * business context and ids passed on; a failure is logged with its code and rethrown unchanged.
   */
  protected call<K extends FunctionName<R>>(
    name: K,
    input: InputOf<R[K]>,
    options: ServiceCallOptions = {},
  ): Promise<InvocationResult<OutputOf<R[K]>>> {
    const business = { ...this.scope.business, ...options.business };
    const given = this.scope.traceparent;
    if (!tracingActive()) return this.invokeLogged(name, input, options, business, given);
    const caller = parentContext(given);
    const parent = spanParent(caller, true);
    if (parent === undefined) return this.invokeLogged(name, input, options, business, traceparentOf(caller, given));
    const attributes = () => businessAttributes(business, { 'lucent.service': this.serviceName });
    return inSpan(`lucent.invoke ${name}`, SpanKind.INTERNAL, parent, attributes, async (span) => {
      const result = await this.invokeLogged(name, input, options, business, traceparentOfSpan(span));
      if (span.isRecording()) span.setAttribute('lucent.events', result.events.length);
      return result;
    });
  }

  private async invokeLogged<K extends FunctionName<R>>(
    name: K,
    input: InputOf<R[K]>,
    options: ServiceCallOptions,
    business: BusinessMetadata,
    traceparent: string | undefined,
  ): Promise<InvocationResult<OutputOf<R[K]>>> {
    const inScope = this.scope.placed;
    const given = options.placed;
    const placed =
      inScope === undefined
        ? given
        : (where: Placement): void => {
            given?.(where);
            inScope({ ...where, function: name });
          };
    try {
      return (await this.invoker.invoke(name, input, {
        ...options,
        ...(placed !== undefined && { placed }),
        business,
        ...(this.scope.correlationId !== undefined && { correlationId: this.scope.correlationId }),
        ...(this.scope.causationId !== undefined && { causationId: this.scope.causationId }),
        ...(traceparent !== undefined && { traceparent }),
      })) as InvocationResult<OutputOf<R[K]>>;
    } catch (error) {
      const code = isLucentError(error) ? error.code : 'UNKNOWN';
      this.log.warn('function call failed', { function: name, code, message: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  /**
   * Append events to `stream`, each stamped with this view's correlation and causation ids, trace
   * context, business fields and the service's name (an event's own metadata is kept beside them).
   * The shared instance stamps fresh ids on each publish, so an idempotent append it may retry
   * (same `idempotencyKey`) either names its `idempotencyPayload` or publishes from a view with
   * fixed ids, e.g. `inScope({ correlationId: sagaId, causationId: stepKey })`.
   */
  protected publish(stream: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const store = this.eventStore;
    if (store === undefined) {
      return Promise.reject(new LucentError('UNAVAILABLE', `${this.serviceName} has no event store to publish to: pass \`events\` in its dependencies`));
    }
    const correlationId = this.scope.correlationId ?? randomUUID();
    const stamp: EventMetadata = {
      ...businessFields(this.scope.business),
      service: this.serviceName,
      correlationId,
      causationId: this.scope.causationId ?? correlationId,
      ...(this.scope.traceparent !== undefined && { traceparent: this.scope.traceparent }),
    };
    return store.append(stream, events.map((e) => ({ ...e, metadata: { ...e.metadata, ...stamp } })), options);
  }

  /** Another service, viewed in this view's scope (same business, same correlation); typed by `S`. */
  protected service<K extends keyof S & string>(name: K): S[K] {
    if (this.services === undefined) {
      throw new LucentError('UNAVAILABLE', `${this.serviceName} has no service directory: pass \`services\` in its dependencies`, { service: name });
    }
    const target = this.services.get(name);
    return this.scope === rootScope ? target : target.inScope(this.scope);
  }
}

function scopeFields(service: string, scope: ServiceScope): Record<string, string> {
  return {
    service,
    ...businessFields(scope.business),
    ...(scope.correlationId !== undefined && { correlationId: scope.correlationId }),
  };
}
