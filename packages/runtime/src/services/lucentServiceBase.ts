// LucentServiceBase: what a service class (the imperative shell) inherits — traced, logged calls into the core.
import { context, propagation, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { isLucentError, silentLogger, type BusinessMetadata, type InvocationResult, type Logger } from '@lucent/core';
import type { FunctionManager, InvokeOptions } from '../functionManager/functionManager.js';

export interface ServiceDependencies {
  readonly functions: Pick<FunctionManager, 'invoke'>;
  readonly logger?: Logger;
}

/**
 * Base class for service classes. Subclasses gather data (stores, APIs), then call pure
 * functions through `call`, which opens a span, propagates the trace context into the call
 * and logs failures with the business context. Computation stays in the core.
 */
export abstract class LucentServiceBase {
  protected readonly functions: Pick<FunctionManager, 'invoke'>;
  protected readonly logger: Logger;
  protected readonly tracer: Tracer;

  protected constructor(deps: ServiceDependencies, serviceName = new.target.name) {
    this.functions = deps.functions;
    this.logger = deps.logger ?? silentLogger;
    this.tracer = trace.getTracer(`lucent.${serviceName}`);
  }

  protected call<Out = unknown>(
    name: string,
    input: unknown,
    business: BusinessMetadata = {},
    options: Omit<InvokeOptions, 'business'> = {},
  ): Promise<InvocationResult<Out>> {
    return this.tracer.startActiveSpan(`lucent.invoke ${name}`, async (span) => {
      for (const [key, value] of Object.entries(business)) {
        if (typeof value === 'string') span.setAttribute(`lucent.business.${key}`, value);
      }
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      try {
        const result = (await this.functions.invoke(name, input, {
          ...options,
          business,
          ...(carrier['traceparent'] ? { traceparent: carrier['traceparent'] } : {}),
        })) as InvocationResult<Out>;
        span.setAttribute('lucent.events', result.events.length);
        return result;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        this.logger.warn('function call failed', {
          function: name,
          code: isLucentError(error) ? error.code : 'UNKNOWN',
          ...business,
        });
        throw error;
      } finally {
        span.end();
      }
    });
  }
}
