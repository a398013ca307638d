import { z } from "zod";
import { installationId, pageSize, required, uuid } from "../validation.js";

// What each InstallationService request may contain, beyond its protobuf types.

export const listInstallationsRequest = z.object({
  workspaceId: required(uuid),
  pageSize,
  pageToken: z.string(),
});

export const installationRequest = z.object({ installationId });

export const linkInstallationRequest = z.object({ installationId, workspaceId: required(uuid) });

export const setInstallationServiceRequest = z.object({ installationId, enabled: z.boolean() });

export const listRepositoriesRequest = z.object({
  installationId,
  pageSize,
  pageToken: z.string(),
});

/** repositories.workflow_jobs as migration 0009 describes it; anything else is skipped. */
export const workflowJobs = z.array(
  z.object({ labels: z.array(z.string()), jobs: z.number() }).loose(),
);
