import type { Client } from "@temporalio/client";
import { optionalTsToMs } from "@temporalio/common/lib/time.js";
import { workflowIds } from "@hangar/server/domain/workflow-names.js";

// Where a job's scale-up time goes, read from the Temporal histories of its job workflow
// and of the runner instance that made its pod. Event times are the Temporal server's
// clock (this machine's); the intake's answer and the pod's watch event are converted
// from performance.now() to the same epoch milliseconds.

export interface ScaleUpTrace {
  jobId: number;
  podName: string;
  /** performance.now() values. */
  acceptedAt: number;
  podAt: number;
}

/** A job's runner comes one of two ways, each with its own stages. */
export const stagePaths = {
  first: {
    label: "first runner, admitted and its Pod created as the job is resolved",
    stages: [
      "intake answer → job workflow started (outbox relay, signal-with-start)",
      "job workflow started → Pod seen (resolution, admission, Pod create)",
    ],
  },
  pool: {
    label: "started by the pool",
    stages: [
      "intake answer → job workflow started (outbox relay, signal-with-start)",
      "job workflow → demand signalled (its steps before demand)",
      "demand → runner instance workflow started (pool)",
      "instance started → launch activity started (admission)",
      "launch activity started → Pod seen (Pod create)",
    ],
  },
} as const;

export type StagePath = keyof typeof stagePaths;

export interface Stages {
  path: StagePath;
  /** One per stage of the path, in order. */
  durations: number[];
}

type HistoryEvent = NonNullable<
  Awaited<ReturnType<ReturnType<Client["workflow"]["getHandle"]>["fetchHistory"]>>["events"]
>[number];

const epoch = (at: number) => performance.timeOrigin + at;
const timeOf = (event: HistoryEvent | undefined) => optionalTsToMs(event?.eventTime);

/** The first event that scheduled an activity of this type. */
function scheduled(events: HistoryEvent[], activityType: string): HistoryEvent | undefined {
  return events.find(
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType,
  );
}

function scheduledId(event: HistoryEvent | undefined): string | undefined {
  return event?.eventId?.toString();
}

/**
 * When a local activity of this type first completed, from its marker: the marker itself
 * is written when the workflow task that ran it completes, which may be later.
 */
function localCompletion(events: HistoryEvent[], activityType: string): number | undefined {
  for (const event of events) {
    const payload = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    if (payload == null) continue;
    const data = JSON.parse(Buffer.from(payload).toString("utf8")) as {
      activity_type?: string;
      complete_time?: { seconds: number; nanos: number } | null;
    };
    if (data.activity_type !== activityType) continue;
    const at = data.complete_time;
    return at == null ? timeOf(event) : at.seconds * 1000 + at.nanos / 1e6;
  }
  return undefined;
}

/** When the first activity of this type completed, whether run by Temporal or locally. */
function completion(events: HistoryEvent[], activityType: string): number | undefined {
  const id = scheduledId(scheduled(events, activityType));
  if (id === undefined) return localCompletion(events, activityType);
  return timeOf(
    events.find(
      (event) => event.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === id,
    ),
  );
}

export async function stagesOf(temporal: Client, trace: ScaleUpTrace): Promise<Stages | undefined> {
  const [job, instance] = await Promise.all([
    temporal.workflow.getHandle(workflowIds.job(trace.jobId)).fetchHistory(),
    temporal.workflow.getHandle(workflowIds.runnerInstance(trace.podName)).fetchHistory(),
  ]);
  const jobEvents = job.events ?? [];
  const instanceEvents = instance.events ?? [];
  const input = instanceEvents[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const admitted =
    input?.data != null &&
    (JSON.parse(Buffer.from(input.data).toString("utf8")) as { admitted?: unknown }).admitted !==
      undefined;
  if (admitted) {
    return durations("first", [epoch(trace.acceptedAt), timeOf(jobEvents[0]), epoch(trace.podAt)]);
  }
  const launch = scheduledId(scheduled(instanceEvents, "launchRunner"));
  const launchStarted = instanceEvents.find(
    (event) => event.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === launch,
  );
  return durations("pool", [
    epoch(trace.acceptedAt),
    timeOf(jobEvents[0]),
    completion(jobEvents, "signalJobDemand"),
    timeOf(instanceEvents[0]),
    timeOf(launchStarted),
    epoch(trace.podAt),
  ]);
}

/** Consecutive differences of the points, or undefined when one could not be read. */
function durations(path: StagePath, points: (number | undefined)[]): Stages | undefined {
  if (points.some((point) => point === undefined)) return undefined;
  const times = points as number[];
  return { path, durations: times.slice(1).map((time, i) => time - (times[i] ?? time)) };
}
