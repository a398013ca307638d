import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { z } from "zod";
import {
  dnsLabel,
  installationId,
  optionalUuid,
  pageSize,
  repositoryName,
  required,
  uuid,
} from "../validation.js";

// What each RunnerService request may contain, beyond its protobuf types. Parsed once at
// the top of each handler; the handler then trusts the result.

/** GitHub's limit is 100 labels per runner, its name included. */
const MAX_LABELS = 99;
const MAX_REPOSITORIES = 1000;
/** GitHub's limit of runners per runner group. */
export const MAX_RUNNERS = 10_000;

export const label = z
  .string()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  .regex(/^[A-Za-z0-9._/-]+$/, "may contain letters, digits, '.', '_', '/' and '-' only")
  // GitHub compares labels case-insensitively; they are stored lowercased.
  .transform((value) => value.toLowerCase());

export const labels = z
  .array(label)
  .max(MAX_LABELS, `must have at most ${MAX_LABELS} entries`)
  .transform((values) => [...new Set(values)]);

export const repositories = z
  .array(repositoryName)
  .max(MAX_REPOSITORIES, `must have at most ${MAX_REPOSITORIES} entries`)
  .transform((values) => [...new Set(values)]);

export const cpu = z
  .string()
  .min(1, "is required")
  .max(16, "must be at most 16 characters")
  .regex(
    /^(?=.*[1-9])[0-9]+(\.[0-9]+)?m?$/,
    "must be a positive Kubernetes CPU quantity, e.g. 4 or 500m",
  );

export const memory = z
  .string()
  .min(1, "is required")
  .max(16, "must be at most 16 characters")
  .regex(
    /^(?=.*[1-9])[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/,
    "must be a positive Kubernetes memory quantity, e.g. 16Gi",
  );

export const image = z
  .string()
  .min(1, "is required")
  .max(512, "must be at most 512 characters")
  .regex(/^[a-z0-9][a-z0-9._\-/:@]*$/, "must be an image reference, e.g. ghcr.io/acme/runner:1.2");

const offeringId = z.string().min(1, "is required").pipe(dnsLabel);

export const count = (max: number) =>
  z.number().int().min(0, "must not be negative").max(max, `must be at most ${max}`);

/** The runners table's CHECK: pre-warming keeps 1 to 10,000 runners, or is off (unset). */
export const prewarmMaxIdle = z
  .number()
  .int()
  .min(1, "must be at least 1 (leave it unset for no pre-warming)")
  .max(MAX_RUNNERS, `must be at most ${MAX_RUNNERS}`);

export const createRunnerRequest = z
  .object({
    workspaceId: required(uuid),
    projectId: optionalUuid,
    name: z.string().min(1, "is required").pipe(dnsLabel),
    // The oneof `spec`, flattened by specFields so errors name the field that was set.
    runnerOfferingId: offeringId.optional(),
    custom: z.object({ image, cpu, memory, registryCredentialId: optionalUuid }).optional(),
    labels,
    repositories,
    minIdle: count(MAX_RUNNERS).optional(),
    maxRunners: count(MAX_RUNNERS).min(1, "must be at least 1").optional(),
    prewarmMaxIdle: prewarmMaxIdle.optional(),
    installationId: z.bigint().min(0n, "must not be negative").max(9_223_372_036_854_775_807n),
  })
  .refine(
    (request) => (request.runnerOfferingId === undefined) !== (request.custom === undefined),
    {
      path: ["runnerOfferingId"],
      error: "exactly one of runner_offering_id and custom is required",
    },
  )
  .refine(
    (request) =>
      request.minIdle === undefined ||
      request.maxRunners === undefined ||
      request.minIdle <= request.maxRunners,
    { path: ["minIdle"], error: "must not exceed max_runners" },
  );
/** The oneof as two optional fields, the shape createRunnerRequest validates. */
export function specFields(spec: { case: string | undefined; value?: unknown }): {
  runnerOfferingId?: unknown;
  custom?: unknown;
} {
  if (spec.case === "runnerOfferingId") return { runnerOfferingId: spec.value };
  if (spec.case === "custom") return { custom: spec.value };
  return {};
}

export type CreateRunnerInput = z.output<typeof createRunnerRequest>;

export const installRunnersRequest = z.object({
  installationId,
  workspaceId: required(uuid),
  runnerOfferingIds: z
    .array(offeringId)
    .max(100, "must have at most 100 entries")
    .transform((values) => [...new Set(values)]),
  projectId: optionalUuid,
});

export const runnerIdRequest = z.object({ id: required(uuid) });

export const deleteRunnerRequest = z.object({ id: required(uuid), force: z.boolean() });

export const runnerStatuses = ["provisioning", "active", "suspended", "deleting", "error"] as const;

export const listRunnersRequest = z.object({
  workspaceId: required(uuid),
  projectId: optionalUuid,
  status: z.union([z.literal("").transform(() => undefined), z.enum(runnerStatuses)], {
    error: `must be one of ${runnerStatuses.join(", ")}`,
  }),
  pageSize,
  pageToken: z.string(),
});

/** Timestamps a person could mean: from 1970 to 9999. */
export const timestamp = z
  .custom<Timestamp>()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const seconds = Number(value.seconds);
    if (seconds < 0 || seconds > 253_402_300_799 || value.nanos < 0 || value.nanos > 999_999_999) {
      ctx.addIssue({ code: "custom", message: "must be between 1970 and 9999" });
      return z.NEVER;
    }
    return timestampDate(value);
  });

export const getRunnerMetricsRequest = z
  .object({
    workspaceId: required(uuid),
    runnerId: optionalUuid,
    repository: z.union([z.literal("").transform(() => undefined), repositoryName]),
    workflowName: z
      .string()
      .max(1024, "must be at most 1024 characters")
      .transform((value) => (value === "" ? undefined : value)),
    startTime: timestamp,
    endTime: timestamp,
  })
  .transform((request, ctx) => {
    const endTime = request.endTime ?? new Date();
    const startTime = request.startTime ?? new Date(endTime.getTime() - 7 * 86_400_000);
    if (startTime >= endTime) {
      ctx.addIssue({ code: "custom", path: ["startTime"], message: "must be before end_time" });
      return z.NEVER;
    }
    return { ...request, startTime, endTime };
  });
