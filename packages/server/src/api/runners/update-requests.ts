import { RunnerSchema } from "@hangar/api/runner_pb.js";
import { z } from "zod";
import { optionalUuid, required, uuid } from "../validation.js";
import {
  count,
  cpu,
  image,
  labels,
  MAX_RUNNERS,
  memory,
  prewarmMaxIdle,
  repositories,
  runnerStatuses,
} from "./requests.js";

// UpdateRunner's request: update_mask names what changes, with CreateRunner's rules for
// each value. Fields outside the mask are ignored but must still be well-formed, so a
// mistaken request is refused rather than half-applied.

/** Runner's updatable fields as update_mask spells them, and their message keys. */
export const updatableFields = {
  labels: "labels",
  repositories: "repositories",
  min_idle: "minIdle",
  max_runners: "maxRunners",
  prewarm_max_idle: "prewarmMaxIdle",
  image: "image",
  cpu: "cpu",
  memory: "memory",
  registry_credential_id: "registryCredentialId",
} as const;

export type UpdatableField = keyof typeof updatableFields;

/** A runner made from an offering takes its image and size from it. */
export const customOnlyFields: ReadonlySet<UpdatableField> = new Set([
  "image",
  "cpu",
  "memory",
  "registry_credential_id",
]);

const runnerFieldNames = new Set(RunnerSchema.fields.map((field) => field.name));

const isUpdatable = (name: string): name is UpdatableField => name in updatableFields;

const updateMask = z
  .array(z.string().max(64, "must be a field name"))
  .min(1, "must name at least one field")
  .max(32, "must have at most 32 entries")
  .superRefine((names, ctx) => {
    for (const [i, name] of names.entries()) {
      if (isUpdatable(name)) continue;
      ctx.addIssue({
        code: "custom",
        path: [i],
        message: runnerFieldNames.has(name)
          ? `${name} cannot be updated`
          : `${JSON.stringify(name.slice(0, 64))} is not a field of Runner`,
      });
    }
  })
  .transform((names) => [...new Set(names)].filter(isUpdatable));

const valueRules = {
  labels,
  repositories,
  minIdle: count(MAX_RUNNERS),
  maxRunners: count(MAX_RUNNERS).min(1, "must be at least 1"),
  // Unset in the message with the field in the mask: pre-warming off.
  prewarmMaxIdle: prewarmMaxIdle.optional(),
  image,
  cpu,
  memory,
  registryCredentialId: optionalUuid,
} as const;

const text = z.string().max(1024, "must be at most 1024 characters");
const nonNegative = z.number().int().min(0, "must not be negative");

/** What is ignored is still checked for sanity: sizes, signs and the status's set. */
const ignoredFields = z.object({
  id: required(uuid),
  name: text,
  namespace: text,
  runnerOfferingId: text,
  status: z.union([z.literal(""), z.enum(runnerStatuses)], {
    error: `must be one of ${runnerStatuses.join(", ")}`,
  }),
  workspaceId: text,
  projectId: text,
  statusMessage: text,
  labels: z.array(text).max(1000, "must have at most 1000 entries"),
  repositories: z.array(text).max(1000, "must have at most 1000 entries"),
  image: text,
  cpu: text,
  memory: text,
  registryCredentialId: text,
  minIdle: nonNegative,
  maxRunners: nonNegative,
  prewarmMaxIdle: nonNegative.optional(),
  installationId: z.bigint().min(0n, "must not be negative"),
  fleet: z
    .object({
      registered: nonNegative,
      busy: nonNegative,
      idle: nonNegative,
      starting: nonNegative,
      desired: nonNegative,
      assignedJobs: nonNegative,
      runningJobs: nonNegative,
    })
    .optional(),
});

export interface RunnerUpdate {
  id: string;
  mask: UpdatableField[];
  labels?: string[];
  repositories?: string[];
  minIdle?: number;
  maxRunners?: number;
  /** null: pre-warming off. */
  prewarmMaxIdle?: number | null;
  image?: string;
  cpu?: string;
  memory?: string;
  /** null: a public image. */
  registryCredentialId?: string | null;
}

/** Throws zod's error (InvalidArgument naming the field) for anything wrong. */
export function parseRunnerUpdate(request: {
  runner?: object;
  updateMask: string[];
}): RunnerUpdate {
  const { updateMask: mask } = z.object({ updateMask }).parse(request);
  const given = (request.runner ?? {}) as Record<string, unknown>;
  const { id } = z.object({ runner: ignoredFields }).parse({ runner: given }).runner;
  const keys = mask.map((name) => updatableFields[name]);
  const shape = Object.fromEntries(keys.map((key) => [key, valueRules[key]]));
  const values: Record<string, unknown> = z
    .object({ runner: z.object(shape) })
    .parse({ runner: Object.fromEntries(keys.map((key) => [key, given[key]])) }).runner;
  const update: RunnerUpdate = { id, mask };
  for (const key of keys) {
    // Unset optional fields clear their column; the others always have a value.
    const clears = key === "prewarmMaxIdle" || key === "registryCredentialId";
    Object.assign(update, { [key]: clears ? (values[key] ?? null) : values[key] });
  }
  return update;
}
