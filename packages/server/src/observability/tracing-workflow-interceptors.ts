import { trace, type Tracer } from "@opentelemetry/api";
import { interceptors as openTelemetryInterceptors } from "@temporalio/interceptors-opentelemetry/lib/workflow-interceptors.js";
import { workflowInfo, type WorkflowInterceptors } from "@temporalio/workflow";

// Bundled into the workflow sandbox when tracing is on (see tracing.ts). The SDK's
// interceptors draw span and trace ids from Math.random, which in the sandbox is the
// workflow's own seeded generator, the one uuid4() draws from too: every span would
// shift every id a workflow mints after it (a runner instance's name, hence its child
// workflow id), so turning tracing on or off would break the replay of every running
// workflow. Ids here come from a hash of the run id and a counter instead, which
// leaves the workflow's random sequence exactly as it is without tracing.

const WORKFLOW_TRACER = "@temporalio/interceptor-workflow";

let counter = 0;

/** FNV-1a over the text, as 8 hex digits. */
function fnv(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

function hexId(words: number): string {
  counter += 1;
  const seed = `${workflowInfo().runId}:${counter}`;
  let id = "";
  for (let word = 0; word < words; word += 1) id += fnv(`${word}:${seed}`);
  // An all-zero id is invalid in W3C trace context.
  return /^0+$/.test(id) ? `${id.slice(1)}1` : id;
}

const ids = {
  generateTraceId: () => hexId(4),
  generateSpanId: () => hexId(2),
};

interface WithDelegate {
  getDelegate?: () => { getTracer(name: string): Tracer };
}

export const interceptors = (): WorkflowInterceptors => {
  // Constructing them registers the SDK's tracer provider in this sandbox.
  const result = openTelemetryInterceptors();
  const provider = trace.getTracerProvider() as WithDelegate;
  // The provider caches its tracers by name: this is the one the interceptors use.
  const tracer = provider.getDelegate?.().getTracer(WORKFLOW_TRACER) as
    { _idGenerator?: unknown } | undefined;
  if (tracer !== undefined) tracer._idGenerator = ids;
  return result;
};
