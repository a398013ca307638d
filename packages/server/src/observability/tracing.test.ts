import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { Worker } from "@temporalio/worker";
import { describe, expect, it } from "vitest";
import { loadHistories } from "@hangar/testkit";
import { historiesDir, workflowsPath } from "../workflow-bundle.js";
import { jobIdOfWorkflow, workflowFields } from "./log-correlation.js";
import { createLogger } from "./logger.js";
import { startTracing } from "./tracing.js";
import { contextFromTraceParent, traceParentOf, withSpan } from "./tracing-context.js";

function memoryLogger() {
  const lines: string[] = [];
  const logger = createLogger({
    level: "info",
    destination: {
      write(line: string) {
        lines.push(line);
      },
    },
  });
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as object) };
}

// The tests share the process-wide provider, so they run in order: off, then on.
describe("tracing", () => {
  it("is off without an endpoint or exporter: no-op spans, no ids in logs, no interceptors", async () => {
    const tracing = startTracing({ serviceName: "hangar-test" });
    expect(tracing.enabled).toBe(false);
    expect(tracing.workerOptions()).toEqual({});
    expect(tracing.clientInterceptors()).toEqual({});
    const { logger, entries } = memoryLogger();
    const parent = await withSpan("delivery", {}, (span) => {
      logger.info("inside");
      expect(span.isRecording()).toBe(false);
      return Promise.resolve(traceParentOf(span));
    });
    expect(parent).toBeNull();
    expect(entries()[0]).not.toHaveProperty("trace_id");
    await tracing.shutdown();
  });

  it("records spans, continues a stored traceparent and puts the ids on log lines", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ serviceName: "hangar-test", exporter });
    const { logger, entries } = memoryLogger();
    try {
      const stored = await withSpan("webhook delivery", {}, (span) => {
        logger.info("accepted");
        return Promise.resolve(traceParentOf(span));
      });
      expect(stored).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      // Later, elsewhere: the relay continues the delivery's trace from the stored value.
      await withSpan("outbox relay", { parent: contextFromTraceParent(stored) }, () => {
        logger.info("sent");
        return Promise.resolve();
      });
      await expect(withSpan("failing", {}, () => Promise.reject(new Error("no")))).rejects.toThrow(
        "no",
      );

      const [delivery, relay, failing] = exporter.getFinishedSpans();
      expect(delivery?.resource.attributes["service.name"]).toBe("hangar-test");
      expect(relay?.spanContext().traceId).toBe(delivery?.spanContext().traceId);
      expect(relay?.parentSpanId).toBe(delivery?.spanContext().spanId);
      expect(failing?.status.code).toBe(2);
      expect(entries()).toEqual([
        expect.objectContaining({
          msg: "accepted",
          trace_id: delivery?.spanContext().traceId,
          span_id: delivery?.spanContext().spanId,
        }),
        expect.objectContaining({ msg: "sent", span_id: relay?.spanContext().spanId }),
      ]);
      expect(contextFromTraceParent("garbage")).toBe(contextFromTraceParent(null));
      const options = tracing.workerOptions();
      expect(options.interceptors?.workflowModules).toHaveLength(1);
      expect(Object.keys(options.sinks ?? {})).toEqual(["exporter"]);
    } finally {
      await tracing.shutdown();
    }
  });

  it("names the job of a job workflow only", () => {
    expect(jobIdOfWorkflow("job-31000000000")).toBe("31000000000");
    expect(jobIdOfWorkflow("runner-hangar-small-0123")).toBeUndefined();
    expect(workflowFields("job-7")).toEqual({ workflow_id: "job-7", job_id: "7" });
    expect(workflowFields("pool-abc")).toEqual({ workflow_id: "pool-abc" });
  });

  it("leaves every recorded workflow history replayable with the tracing interceptors", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ serviceName: "hangar-test", exporter });
    try {
      const histories = loadHistories(historiesDir);
      expect(histories.length).toBeGreaterThan(0);
      const failures: string[] = [];
      let replayed = 0;
      for await (const result of Worker.runReplayHistories(
        { workflowsPath, ...tracing.workerOptions() },
        histories,
      )) {
        replayed += 1;
        if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
      }
      expect(failures).toEqual([]);
      expect(replayed).toBe(histories.length);
    } finally {
      await tracing.shutdown();
    }
  });
});
