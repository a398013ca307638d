import { z } from "zod";
import type {
  InstallationPayload,
  InstallationRepositoriesPayload,
  PushPayload,
  WorkflowJobPayload,
  WorkflowRunPayload,
} from "../domain/webhook-events.js";

// zod schemas for the fields Hangar reads from each event. z.object strips unknown keys,
// so what passes is exactly the domain type: nothing GitHub adds later leaks into
// workflow arguments. Each schema is annotated with its domain type, so the two cannot
// drift apart.

/** GitHub ids: non-negative safe integers (they fit in a double). */
const id = z.int().nonnegative();
const timestamp = z.iso.datetime({ offset: true });
const nullableString = z.string().nullable();

/** Fields every delivery may carry, read before routing to fill the delivery row. */
export const envelopeSchema = z.object({
  action: z.string().min(1).max(100).optional().catch(undefined),
  installation: z.object({ id }).optional().catch(undefined),
});

const repositoryRef = z.object({
  id,
  name: z.string(),
  full_name: z.string(),
  private: z.boolean(),
});

const repositoryOwner = z.object({
  id,
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
});

const installationId = z.object({ id });

/** Enterprise accounts have a slug instead of a login. */
const account = z
  .object({
    id,
    login: z.string().optional(),
    slug: z.string().optional(),
    type: z.string().optional(),
  })
  .transform((a) => ({ id: a.id, login: a.login ?? a.slug ?? "", type: a.type ?? "Enterprise" }));

export const installationPayloadSchema: z.ZodType<InstallationPayload> = z.object({
  installation: z.object({
    id,
    account,
    repository_selection: nullableString.optional().transform((v) => v ?? null),
  }),
  repositories: z
    .array(repositoryRef)
    .nullish()
    .transform((v) => v ?? []),
});

export const installationRepositoriesPayloadSchema: z.ZodType<InstallationRepositoriesPayload> =
  z.object({
    installation: installationId,
    repository_selection: nullableString.optional().transform((v) => v ?? null),
    repositories_added: z.array(repositoryRef),
    repositories_removed: z.array(repositoryRef),
  });

export const workflowJobPayloadSchema: z.ZodType<WorkflowJobPayload> = z
  .object({
    workflow_job: z.object({
      id,
      run_id: id,
      run_attempt: z.int().positive(),
      name: z.string(),
      workflow_name: nullableString,
      head_branch: nullableString,
      head_sha: z.string(),
      labels: z.array(z.string()),
      status: z.string(),
      conclusion: nullableString,
      created_at: timestamp,
      started_at: timestamp.nullable(),
      completed_at: timestamp.nullable(),
      runner_id: id.nullable(),
      runner_name: nullableString,
      runner_group_id: id.nullable(),
      runner_group_name: nullableString,
    }),
    repository: repositoryOwner,
    installation: installationId,
    deployment: z.unknown().optional(),
  })
  .transform(({ deployment, ...rest }) => ({
    ...rest,
    has_deployment: deployment !== undefined && deployment !== null,
  }));

export const workflowRunPayloadSchema: z.ZodType<WorkflowRunPayload> = z.object({
  workflow_run: z.object({
    id,
    run_attempt: z.int().positive(),
    name: nullableString,
    workflow_id: id,
    event: z.string(),
    status: nullableString,
    conclusion: nullableString,
    head_branch: nullableString,
    head_sha: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
    run_started_at: timestamp
      .nullable()
      .optional()
      .transform((v) => v ?? null),
  }),
  repository: repositoryOwner,
  installation: installationId,
});

const paths = z
  .array(z.string())
  .optional()
  .transform((v) => v ?? []);

export const pushPayloadSchema: z.ZodType<PushPayload> = z.object({
  ref: z.string(),
  after: z.string(),
  repository: repositoryOwner,
  installation: installationId,
  commits: z.array(z.object({ added: paths, modified: paths, removed: paths })),
});
