import { isSpanContextValid, trace } from "@opentelemetry/api";
import { asyncLocalStorage as activityStorage } from "@temporalio/activity";

// The fields that tie a log line to the rest of its story: the active trace and span
// (when tracing is on), and, inside an activity, its workflow and the job that
// workflow is for. Read from async context on every line, so nothing has to pass a
// child logger down for it.

export interface LogCorrelation {
  trace_id?: string;
  span_id?: string;
  workflow_id?: string;
  job_id?: string;
}

const JOB_WORKFLOW = /^job-(\d+)$/;

/** The GitHub job id of a job workflow's id (`job-<id>`); undefined for other workflows. */
export function jobIdOfWorkflow(workflowId: string): string | undefined {
  return JOB_WORKFLOW.exec(workflowId)?.[1];
}

export function workflowFields(workflowId: string): LogCorrelation {
  const jobId = jobIdOfWorkflow(workflowId);
  return jobId === undefined
    ? { workflow_id: workflowId }
    : { workflow_id: workflowId, job_id: jobId };
}

export function logCorrelation(): LogCorrelation {
  const span = trace.getActiveSpan()?.spanContext();
  const fields: LogCorrelation =
    span !== undefined && isSpanContextValid(span)
      ? { trace_id: span.traceId, span_id: span.spanId }
      : {};
  // Undefined outside activities, and for an activity no workflow started.
  const workflowId = activityStorage.getStore()?.info.workflowExecution?.workflowId;
  return workflowId === undefined ? fields : { ...fields, ...workflowFields(workflowId) };
}
