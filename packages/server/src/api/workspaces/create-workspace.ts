import { randomBytes } from "node:crypto";
import type { Transaction } from "kysely";
import {
  grantRole,
  writeProjectTuples,
  writeWorkspaceTuples,
  type SubjectId,
} from "../../authz/index.js";
import type { Database } from "../../storage/schema.js";
import { writeAudit } from "../audit.js";
import type { ProjectRow, WorkspaceRow } from "./rows.js";

// A new workspace as CreateWorkspace makes it, shared with `hangar admin bootstrap` so
// that a workspace made before any token exists is the same as one made through the API:
// its default project, its role tuples and its audit records.

const MAX_NAMESPACE = 63;

/**
 * The namespace a new workspace's runners live in: the prefix and the slug, or, when that
 * is too long or was ever used (namespaces are never handed to a second tenant), a
 * shortened slug with a random suffix.
 */
async function freshNamespace(
  trx: Transaction<Database>,
  prefix: string,
  slug: string,
): Promise<string> {
  const plain = `${prefix}${slug}`;
  const taken = (name: string) =>
    trx.selectFrom("workspaces").select("id").where("namespace", "=", name).executeTakeFirst();
  if (plain.length <= MAX_NAMESPACE && (await taken(plain)) === undefined) return plain;
  const room = MAX_NAMESPACE - prefix.length - 7;
  const stem = slug.slice(0, Math.max(0, room)).replace(/-+$/, "");
  return `${prefix}${stem}${stem === "" ? "" : "-"}${randomBytes(3).toString("hex")}`;
}

export interface NewWorkspace {
  slug: string;
  name: string;
  namespacePrefix: string;
  maxCpuMillis?: number | undefined;
  maxMemoryMib?: number | undefined;
  maxGpus?: number | undefined;
  maxRunners?: number | undefined;
  /** Who is recorded as having created it: `token:<id>`, `system:<what>`. */
  actor: string;
  /** Made the workspace's owner; absent when the caller grants its owner itself. */
  owner?: SubjectId | undefined;
  requestId: string | null;
}

export async function insertWorkspace(
  trx: Transaction<Database>,
  input: NewWorkspace,
): Promise<{ workspace: WorkspaceRow; project: ProjectRow }> {
  const namespace = await freshNamespace(trx, input.namespacePrefix, input.slug);
  const workspace = await trx
    .insertInto("workspaces")
    .values({
      slug: input.slug,
      name: input.name,
      namespace,
      ...(input.maxCpuMillis !== undefined ? { max_cpu_millis: input.maxCpuMillis } : {}),
      ...(input.maxMemoryMib !== undefined ? { max_memory_mib: input.maxMemoryMib } : {}),
      ...(input.maxGpus !== undefined ? { max_gpus: input.maxGpus } : {}),
      ...(input.maxRunners !== undefined ? { max_runners: input.maxRunners } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const project = await trx
    .insertInto("projects")
    .values({ workspace_id: workspace.id, name: "default", is_default: true })
    .returningAll()
    .executeTakeFirstOrThrow();
  await writeWorkspaceTuples(trx, workspace.id);
  await writeProjectTuples(trx, workspace.id, project.id);
  if (input.owner !== undefined) {
    await grantRole(trx, {
      namespace: "workspace",
      object: workspace.id,
      role: "owner",
      subject: input.owner,
    });
  }
  const audited = { actor: input.actor, workspaceId: workspace.id, requestId: input.requestId };
  await writeAudit(trx, {
    ...audited,
    objectType: "workspace",
    objectId: workspace.id,
    action: "workspace.create",
    before: null,
    after: input.owner !== undefined ? { ...workspace, owner: input.owner } : workspace,
  });
  await writeAudit(trx, {
    ...audited,
    objectType: "project",
    objectId: project.id,
    action: "project.create",
    before: null,
    after: project,
  });
  return { workspace, project };
}
