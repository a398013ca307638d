import { context, propagation, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { Resource } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import type { ClientInterceptors } from "@temporalio/client";
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from "@temporalio/interceptors-opentelemetry";
import type { WorkerOptions } from "@temporalio/worker";
import { tracingWorkflowModules } from "../workflow-bundle.js";

// One tracer provider per process. Off by default: nothing is registered, so every
// span Hangar starts comes from the API's no-op tracer (no ids, no allocation beyond a
// shared object) and Temporal runs without interceptors. On, spans go to an OTLP/HTTP
// collector, or to the exporter a test passes in.

export interface TracingOptions {
  /** `hangar-intake`, `hangar-worker`, `hangar-dev`: which process a span came from. */
  serviceName: string;
  /** OTLP/HTTP base URL (the collector's, without `/v1/traces`); undefined: no OTLP. */
  otlpEndpoint?: string | undefined;
  /** Where spans go instead of OTLP (tests: an in-memory exporter); exported as they end. */
  exporter?: SpanExporter;
}

type TracingWorkerOptions = Pick<WorkerOptions, "interceptors" | "sinks">;

export interface Tracing {
  readonly enabled: boolean;
  /** For `new Client(...)`: carries the caller's trace into workflows it starts or signals. */
  clientInterceptors(): ClientInterceptors;
  /** For `Worker.create(...)`: workflow and activity spans, and the sink exporting the former. */
  workerOptions(): TracingWorkerOptions;
  /** Exports what is buffered and stops; later spans are dropped. */
  shutdown(): Promise<void>;
}

const disabled: Tracing = {
  enabled: false,
  clientInterceptors: () => ({}),
  workerOptions: () => ({}),
  shutdown: () => Promise.resolve(),
};

export function startTracing(options: TracingOptions): Tracing {
  const exporter =
    options.exporter ??
    (options.otlpEndpoint === undefined
      ? undefined
      : new OTLPTraceExporter({ url: `${options.otlpEndpoint}/v1/traces` }));
  if (exporter === undefined) return disabled;

  const resource = new Resource({ "service.name": options.serviceName });
  // A test's exporter sees each span when it ends; a collector gets batches, off the
  // request path.
  const processor: SpanProcessor =
    options.exporter === undefined
      ? new BatchSpanProcessor(exporter)
      : new SimpleSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Registers the AsyncLocalStorage context manager and the W3C propagator too.
  provider.register();

  return {
    enabled: true,
    clientInterceptors: () => ({ workflow: [new OpenTelemetryWorkflowClientInterceptor()] }),
    workerOptions: () => ({
      interceptors: {
        workflowModules: [...tracingWorkflowModules],
        activity: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ],
      },
      sinks: { exporter: makeWorkflowExporter(processor, resource) },
    }),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
