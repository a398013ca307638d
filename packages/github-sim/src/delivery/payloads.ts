import type { SimState } from "../state/store.js";
import type { SimEvent } from "../state/events.js";
import type { InstallationRecord, JobRecord } from "../state/records.js";
import type { SimDeployment } from "../webhooks/model.js";
import {
  installationPayload,
  installationRepositoriesPayload,
} from "../webhooks/payloads/installation.js";
import { pushPayload } from "../webhooks/payloads/push.js";
import { workflowJobPayload } from "../webhooks/payloads/workflow-job.js";
import { workflowRunPayload } from "../webhooks/payloads/workflow-run.js";
import type { GitHubUrls } from "../webhooks/urls.js";
import type { OutgoingEvent } from "./sender.js";

function deploymentOf(job: JobRecord): SimDeployment | undefined {
  if (job.environment === null || job.deploymentId === null) return undefined;
  return { id: job.deploymentId, environment: job.environment, createdAt: job.createdAt };
}

function installationOf(state: SimState, id: number): InstallationRecord {
  const installation = state.installations.get(id);
  if (!installation) throw new Error(`installation ${id} vanished while emitting an event`);
  return installation;
}

/**
 * Builds the webhook for a state change with the pure payload builders, at
 * the moment it happens (the sender serialises it at once, so later changes
 * to a record never leak into a queued delivery). Returns null for events about uninstalled repositories,
 * which GitHub would not send to the App.
 */
export function toOutgoing(state: SimState, e: SimEvent, urls: GitHubUrls): OutgoingEvent | null {
  const sender = state.sender;
  switch (e.event) {
    case "installation":
      return {
        event: e.event,
        action: e.action,
        payload: installationPayload(
          e.action,
          {
            installation: e.installation,
            repositories: e.repositories,
            sender,
          },
          urls,
        ),
        installationId: e.installation.id,
        repositoryId: null,
      };
    case "installation_repositories":
      return {
        event: e.event,
        action: e.action,
        payload: installationRepositoriesPayload(
          e.action,
          {
            installation: e.installation,
            added: e.added,
            removed: e.removed,
            sender,
          },
          urls,
        ),
        installationId: e.installation.id,
        repositoryId: null,
      };
    case "workflow_job": {
      const repository = state.repositories.get(e.job.repositoryId);
      if (!repository || repository.installationId === null) return null;
      const deployment = deploymentOf(e.job);
      return {
        event: e.event,
        action: e.action,
        payload: workflowJobPayload(
          e.action,
          {
            job: e.job,
            repository,
            installation: installationOf(state, repository.installationId),
            sender,
            ...(deployment ? { deployment } : {}),
          },
          urls,
        ),
        installationId: repository.installationId,
        repositoryId: repository.id,
      };
    }
    case "workflow_run": {
      const repository = state.repositories.get(e.run.repositoryId);
      if (!repository || repository.installationId === null) return null;
      return {
        event: e.event,
        action: e.action,
        payload: workflowRunPayload(
          e.action,
          {
            run: e.run,
            repository,
            installation: installationOf(state, repository.installationId),
            sender,
          },
          urls,
        ),
        installationId: repository.installationId,
        repositoryId: repository.id,
      };
    }
    case "push": {
      if (e.repository.installationId === null) return null;
      return {
        event: e.event,
        action: null,
        payload: pushPayload(
          {
            repository: e.repository,
            installation: installationOf(state, e.repository.installationId),
            ref: e.ref,
            before: e.before,
            after: e.after,
            commits: e.commits,
            pusher: { name: sender.login, email: `${sender.login}@users.noreply.github.com` },
            sender,
          },
          urls,
        ),
        installationId: e.repository.installationId,
        repositoryId: e.repository.id,
      };
    }
  }
}
