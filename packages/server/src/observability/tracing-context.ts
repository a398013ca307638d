import {
  ROOT_CONTEXT,
  SpanStatusCode,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanKind,
  type Tracer,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";

// A trace crosses a process boundary where Hangar stores work for later: the intake
// keeps the delivery span's W3C traceparent with each outbox row, and the relay, maybe
// in another process and seconds later, continues that trace from it. The propagator
// is used directly rather than the global one, so this works however the process
// registered (or did not register) its own.

const w3c = new W3CTraceContextPropagator();

/** The instrumentation name Hangar's own spans are recorded under. */
export const TRACER_NAME = "hangar";

/** Hangar's tracer: the registered provider's, or the no-op one while tracing is off. */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** The span's traceparent header value; null for a span that is not recording a trace. */
export function traceParentOf(span: Span): string | null {
  if (!isSpanContextValid(span.spanContext())) return null;
  const carrier: Record<string, string> = {};
  w3c.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
  return carrier["traceparent"] ?? null;
}

/** A context whose remote parent is the stored traceparent (ROOT for null or malformed). */
export function contextFromTraceParent(traceParent: string | null): Context {
  if (traceParent === null) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, { traceparent: traceParent }, defaultTextMapGetter);
}

/** Marks the span failed with the error's class and message (never a payload). */
export function recordFailure(span: Span, error: unknown): void {
  if (error instanceof Error) {
    span.recordException({ name: error.name, message: error.message });
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.name });
  } else {
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/**
 * Runs `work` inside a new active span that ends with it, failed if it throws. With
 * tracing off the span is the API's no-op one and this costs next to nothing.
 */
export function withSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const { parent, ...spanOptions } = options;
  return tracer().startActiveSpan(name, spanOptions, parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
