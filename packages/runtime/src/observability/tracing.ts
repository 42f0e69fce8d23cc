// Tracing: an OpenTelemetry trace SDK started from the standard OTEL_* variables, and the span helpers Lucent's span sites share (off: nothing is created).
import { appendFileSync } from 'node:fs';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { ExportResultCode, hrTimeToMicroseconds, type ExportResult } from '@opentelemetry/core';
// The SDK itself (provider, processors, exporters, resources) is loaded by `startTracing` only: about
// 150 ms of module loading that a process without tracing (most CLI runs, tests) never pays.
import type { ReadableSpan, Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { parseTraceparent, type BusinessMetadata } from '@lucent/core';

export { SpanKind };

let tracer: Tracer | undefined;
/** True from a `startTracing` call until its provider is registered (the SDK loads in between). */
let starting = false;
/** The sampler keeps a sampled-out parent's children out too (the default `parentbased_*` ones). */
let followsParent = false;

/**
 * True once `startTracing` registered a provider. Every span site checks this one boolean first and
 * takes its untraced path when it is false, so a process without an exporter creates nothing.
 */
export function tracingActive(): boolean {
  return tracer !== undefined;
}

export interface TracingOptions {
  /** Where finished spans go (an `InMemorySpanExporter` in tests), besides what the variables name. */
  readonly exporter?: SpanExporter;
  /** Hand `exporter` spans in batches (a BatchSpanProcessor, as OTLP gets them) instead of each as it ends. */
  readonly batch?: boolean;
  /** `service.name` when OTEL_SERVICE_NAME is unset. */
  readonly serviceName?: string;
  /** More resource attributes (e.g. `lucent.shard.id`); OTEL_RESOURCE_ATTRIBUTES wins over them. */
  readonly attributes?: Attributes;
  /** The sampler; by default the SDK's, from OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG. */
  readonly sampler?: Sampler;
  /**
   * Register OpenTelemetry's AsyncLocalStorage context manager (default true; false with
   * LUCENT_TRACES_ACTIVE_CONTEXT=off), so the app's own spans nest under the active one. On Node 20
   * it hooks every promise of the process once any span is made active or exported (the SDK's batch
   * export does): `observability.overhead` measures what that costs. Lucent's own spans pass
   * traceparents explicitly and need no active context.
   */
  readonly activeContext?: boolean;
}

export interface Tracing {
  /** Export what is buffered now. */
  flush(): Promise<void>;
  /** Flush, stop and unregister: every span site is off again. */
  shutdown(): Promise<void>;
}

/**
 * Start tracing from the standard variables, or return undefined (nothing configured) and stay off.
 * On when OTEL_TRACES_EXPORTER names `otlp` (OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, batched) or
 * `console`, when LUCENT_TRACES_FILE names a file (each finished span appended as one JSON line), or
 * when `options.exporter` is given. OTEL_SDK_DISABLED=true keeps it off. OTEL_TRACES_SAMPLER and
 * OTEL_TRACES_SAMPLER_ARG choose the sampler (default parentbased_always_on), OTEL_SERVICE_NAME and
 * OTEL_RESOURCE_ATTRIBUTES the resource: the SDK reads them itself. Async because the SDK is loaded
 * here, on first use, and not by importing this package.
 */
export async function startTracing(options: TracingOptions = {}): Promise<Tracing | undefined> {
  const env = process.env;
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return undefined;
  if (tracer !== undefined || starting) throw new Error('Tracing is already started in this process: shut the running one down first');
  const file = env['LUCENT_TRACES_FILE'] || undefined;
  const named = (env['OTEL_TRACES_EXPORTER'] ?? '').split(',').map((s) => s.trim().toLowerCase());
  if (options.exporter === undefined && file === undefined && !named.includes('otlp') && !named.includes('console')) return undefined;
  starting = true;
  try {
    return await register(options, file, named);
  } finally {
    starting = false;
  }
}

async function register(options: TracingOptions, file: string | undefined, named: readonly string[]): Promise<Tracing> {
  const env = process.env;
  const [{ BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor }, { detectResources, envDetector, resourceFromAttributes }, otlp] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
    named.includes('otlp') ? import('@opentelemetry/exporter-trace-otlp-http') : undefined,
  ]);
  const processors: SpanProcessor[] = [];
  if (options.exporter !== undefined) processors.push(options.batch === true ? new BatchSpanProcessor(options.exporter) : new SimpleSpanProcessor(options.exporter));
  if (file !== undefined) processors.push(new SimpleSpanProcessor(new JsonLinesSpanExporter(file)));
  for (const name of named) {
    if (name === 'otlp' && otlp !== undefined) processors.push(new BatchSpanProcessor(new otlp.OTLPTraceExporter()));
    else if (name === 'console') processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  }
  const resource = resourceFromAttributes({ 'service.name': options.serviceName ?? 'lucent', ...options.attributes }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const provider = new NodeTracerProvider({ resource, spanProcessors: processors, ...(options.sampler !== undefined && { sampler: options.sampler }) });
  // Registers the W3C trace-context propagator, and the AsyncLocalStorage context manager unless asked not to.
  const activeContext = options.activeContext ?? env['LUCENT_TRACES_ACTIVE_CONTEXT']?.trim().toLowerCase() !== 'off';
  provider.register(activeContext ? {} : { contextManager: null });
  tracer = trace.getTracer('lucent');
  // A sampler given in code may do anything; of the variable's, the parentbased_* ones (and the default) follow the parent.
  const sampler = env['OTEL_TRACES_SAMPLER']?.trim().toLowerCase() ?? '';
  followsParent = options.sampler === undefined && (sampler === '' || sampler.startsWith('parentbased_'));
  let stopped = false;
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      if (stopped) return;
      stopped = true;
      tracer = undefined;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The `traceparent` naming `span` (what a call or event made inside it carries). */
export function traceparentOfSpan(span: Span): string {
  return traceparentOfIds(span.spanContext());
}

function traceparentOfIds({ traceId, spanId, traceFlags }: SpanContext): string {
  return `00-${traceId}-${spanId}-${(traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}`;
}

/** The `traceparent` of the span `ctx` holds, or `fallback` when it holds none. */
export function traceparentOf(ctx: Context, fallback?: string): string | undefined {
  const ids = trace.getSpanContext(ctx);
  return ids === undefined ? fallback : traceparentOfIds(ids);
}

/**
 * A quick `spanParent(parentContext(traceparent), root) === undefined` for hot sites, true only when
 * it is sure, without parsing: a version-00 traceparent whose flags say sampled out while the
 * sampler follows parents, or none at all and no active span at a site that starts no trace. The
 * site then runs untraced with the traceparent as it came. False means: ask `spanParent`.
 */
export function sampledOut(traceparent: string | undefined, root: boolean): boolean {
  if (traceparent === undefined) return !root && trace.getSpan(context.active()) === undefined;
  if (!followsParent || traceparent.length !== 55 || traceparent.charCodeAt(1) !== 48) return false;
  // The last hex digit of the flags holds the sampled bit.
  const c = traceparent.charCodeAt(54);
  const digit = c <= 57 ? c - 48 : (c | 32) - 87;
  return (digit & 1) === 0;
}

/**
 * The parent a span site should open its span under, or undefined when it should open none and run
 * untraced: the parent was sampled out and the sampler follows parents (it would make a span that
 * records nothing, which costs id generation and a context switch per call for nothing), or there
 * is no parent and the site does not start traces (`root` false: a function run, an append, which
 * join the trace of whatever called them). A site that skips passes the parent's traceparent on,
 * so the processes it calls skip too.
 */
export function spanParent(parent: Context, root: boolean): Context | undefined {
  const ids = trace.getSpanContext(parent);
  if (ids === undefined) return root ? parent : undefined;
  return followsParent && (ids.traceFlags & TraceFlags.SAMPLED) !== TraceFlags.SAMPLED ? undefined : parent;
}

/** The remote span a `traceparent` names, or undefined when it is malformed. */
export function spanContextOf(traceparent: string | undefined): SpanContext | undefined {
  const ids = parseTraceparent(traceparent);
  if (ids === undefined) return undefined;
  return { traceId: ids.traceId, spanId: ids.spanId, traceFlags: ids.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true };
}

/** A context whose parent is the remote span a `traceparent` names (a call's caller), or the root when it names none. */
export function remoteContext(traceparent: string | undefined): Context {
  const remote = spanContextOf(traceparent);
  return remote === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, remote);
}

/** Links to the spans these traceparents name (malformed ones left out). */
export function linksTo(traceparents: readonly string[]): Link[] {
  const links: Link[] = [];
  for (const t of traceparents) {
    const remote = spanContextOf(t);
    if (remote !== undefined) links.push({ context: remote });
  }
  return links;
}

/**
 * The span the caller names by `traceparent` (Lucent passes each call's explicitly, hop by hop),
 * else the active context (a span the app's own code made active, the HTTP request's), else a new root.
 */
export function parentContext(traceparent: string | undefined): Context {
  const named = spanContextOf(traceparent);
  return named === undefined ? context.active() : trace.setSpanContext(ROOT_CONTEXT, named);
}

/**
 * Run `work` in a new span, child of `parent`. The span is not made active: `work` passes its
 * traceparent (`traceparentOfSpan(span)`) to what it calls, as every Lucent hop does. On Node 20 an
 * active context costs every promise of the process a hook from the first `context.with` on, which
 * halved remote calls in `observability.overhead`; explicit traceparents cost nothing of the kind.
 * `attributes` is called only when the span records (a sampled-out span costs no attribute
 * building). The span ends when `work` settles, with an ERROR status, the exception and its
 * `lucent.error.code` recorded when it throws. Call only when `tracingActive()`.
 */
export function inSpan<T>(
  name: string,
  kind: SpanKind,
  parent: Context,
  attributes: (() => Attributes) | undefined,
  work: (span: Span) => Promise<T>,
  links?: Link[],
): Promise<T> {
  const span = (tracer ?? trace.getTracer('lucent')).startSpan(name, { kind, ...(links !== undefined && links.length > 0 && { links }) }, parent);
  let pending: Promise<T>;
  try {
    if (!span.isRecording()) return work(span);
    if (attributes !== undefined) span.setAttributes(attributes());
    pending = work(span);
  } catch (error) {
    pending = Promise.reject(error);
  }
  return endWhenSettled(span, pending);
}

/**
 * Start a span that is not made active: for a site that opens no span inside it (a pure function
 * makes no calls), which saves the context switch. Call only when `tracingActive()`; a span the
 * sampler dropped is not recording (`isRecording()`), and a site may then skip it altogether.
 */
export function startSpan(name: string, kind: SpanKind, parent: Context): Span {
  return (tracer ?? trace.getTracer('lucent')).startSpan(name, { kind }, parent);
}

/** End `span` once `pending` settles, a rejection marked on it; the outcome passes through unchanged. */
export function endWhenSettled<T>(span: Span, pending: Promise<T>): Promise<T> {
  return pending.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      markFailed(span, error);
      span.end();
      throw error;
    },
  );
}

/** A span opened by one hook and ended by another (an HTTP request's), for code that does not see OpenTelemetry's types. */
export interface OpenSpan {
  /** What the work done for it passes on (sampled out: a traceparent that says so). */
  readonly traceparent: string;
  /** Run `work` with this span active, for the app's own code and instrumentations (only if it records: see `inSpan` on Node 20's cost). */
  run<T>(work: () => T): T;
  set(attributes: Readonly<Record<string, string | number | boolean>>): void;
  fail(error: unknown): void;
  end(): void;
}

/**
 * Open a server span whose parent is the caller's `traceparent` (an incoming request's header), or
 * none (undefined) when the caller sampled its trace out. Call only when `tracingActive()`.
 */
export function openServerSpan(name: string, traceparent: string | undefined, attributes: Readonly<Record<string, string | number | boolean>>): OpenSpan | undefined {
  const parent = spanParent(remoteContext(traceparent), true);
  if (parent === undefined) return undefined;
  const span = (tracer ?? trace.getTracer('lucent')).startSpan(name, { kind: SpanKind.SERVER }, parent);
  if (span.isRecording()) span.setAttributes(attributes);
  const active = trace.setSpan(parent, span);
  const recording = span.isRecording();
  return {
    traceparent: traceparentOfSpan(span),
    run: (work) => (recording ? context.with(active, work) : work()),
    set: (more) => {
      if (span.isRecording()) span.setAttributes(more);
    },
    fail: (error) => markFailed(span, error),
    end: () => span.end(),
  };
}

/** Record a failure on `span`: ERROR status, the exception, and its Lucent error code when it has one. */
export function markFailed(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  // A LucentError, or its wire form (a plain object with code and message) on a shard's reply.
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  span.recordException(error instanceof Error ? error : { message: text, ...(typeof code === 'string' && { code }) });
  span.setStatus({ code: SpanStatusCode.ERROR, message: text });
  if (typeof code === 'string') span.setAttribute('lucent.error.code', code);
}

/** Business metadata as span attributes (`lucent.business.userId`, …); strings, numbers, booleans and string lists only. */
export function businessAttributes(business: BusinessMetadata | undefined, out: Attributes = {}): Attributes {
  if (business === undefined) return out;
  for (const [key, value] of Object.entries(business)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[`lucent.business.${key}`] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[`lucent.business.${key}`] = value as string[];
  }
  return out;
}

/** Finished spans as JSON lines, appended synchronously (one object per span, see `SpanRecord`): a test joins the files of several processes. */
export class JsonLinesSpanExporter implements SpanExporter {
  constructor(private readonly file: string) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      appendFileSync(this.file, spans.map((s) => JSON.stringify(spanRecord(s)) + '\n').join(''));
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** One finished span, flat: what `JsonLinesSpanExporter` writes. */
export interface SpanRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: string;
  readonly service: string;
  readonly startUs: number;
  readonly endUs: number;
  readonly attributes: Attributes;
  /** 0 unset, 1 ok, 2 error (OpenTelemetry's SpanStatusCode). */
  readonly status: number;
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
}

export function spanRecord(s: ReadableSpan): SpanRecord {
  const ctx = s.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: s.parentSpanContext?.spanId,
    name: s.name,
    kind: SpanKind[s.kind],
    service: String(s.resource.attributes['service.name'] ?? ''),
    startUs: hrTimeToMicroseconds(s.startTime),
    endUs: hrTimeToMicroseconds(s.endTime),
    attributes: s.attributes,
    status: s.status.code,
    links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
  };
}
