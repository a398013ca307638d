import { z } from "zod";
import { timestamp } from "../runners/requests.js";
import { optionalUuid, pageSize, repositoryName, required, uuid } from "../validation.js";

// What each JobService request may contain, beyond its protobuf types.

export const jobStatuses = ["queued", "waiting", "in_progress", "completed"] as const;
export const jobConclusions = [
  "success",
  "failure",
  "cancelled",
  "skipped",
  "timed_out",
  "action_required",
  "neutral",
  "stale",
  "startup_failure",
] as const;

const optionalEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z.union([z.literal("").transform(() => undefined), z.enum(values)], {
    error: `must be one of ${values.join(", ")}`,
  });

export const listJobsRequest = z
  .object({
    workspaceId: required(uuid),
    repository: z.union([z.literal("").transform(() => undefined), repositoryName]),
    runnerId: optionalUuid,
    status: optionalEnum(jobStatuses),
    conclusion: optionalEnum(jobConclusions),
    startTime: timestamp,
    endTime: timestamp,
    pageSize,
    pageToken: z.string(),
  })
  .refine(
    (request) =>
      request.startTime === undefined ||
      request.endTime === undefined ||
      request.startTime < request.endTime,
    { path: ["startTime"], error: "must be before end_time" },
  );

export const getJobRequest = z.object({
  id: z.bigint().min(1n, "is required").max(9_223_372_036_854_775_807n, "is too large"),
});
