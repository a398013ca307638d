import type {
  InstallationCreatedEvent,
  InstallationDeletedEvent,
  InstallationEvent,
  InstallationNewPermissionsAcceptedEvent,
  InstallationRepositoriesAddedEvent,
  InstallationRepositoriesEvent,
  InstallationRepositoriesRemovedEvent,
  InstallationSuspendEvent,
  InstallationUnsuspendEvent,
} from "@octokit/webhooks-types";
import type { SimAccount, SimInstallation, SimRepository } from "../model.js";
import { resolveUrls, type GitHubUrls } from "../urls.js";
import { installation, PayloadInputError, repositoryRef, user } from "./accounts.js";

export type InstallationAction =
  "created" | "deleted" | "suspend" | "unsuspend" | "new_permissions_accepted";

export type InstallationPayload<A extends InstallationAction = InstallationAction> = Extract<
  InstallationEvent,
  { action: A }
>;

export interface InstallationPayloadInput {
  installation: SimInstallation;
  repositories?: SimRepository[];
  sender: SimAccount;
}

/**
 * `installation` events. Only `created` names a requester; the suspend pair
 * carries `suspended_by`/`suspended_at`, which must agree with the action.
 */
export function installationPayload<A extends InstallationAction>(
  action: A,
  input: InstallationPayloadInput,
  urls?: Partial<GitHubUrls>,
): InstallationPayload<A> {
  // The switch below checks each variant against its own type; this only
  // narrows the union by the action the caller passed.
  return buildInstallation(action, input, resolveUrls(urls)) as InstallationPayload<A>;
}

function buildInstallation(
  action: InstallationAction,
  input: InstallationPayloadInput,
  urls: GitHubUrls,
): InstallationEvent {
  const inst = installation(input.installation, urls, input.sender);
  const sender = user(input.sender, urls);
  const repositories = input.repositories?.map(repositoryRef);
  const common = { installation: inst, sender, ...(repositories ? { repositories } : {}) };
  switch (action) {
    case "created": {
      // Real deliveries often say `requester: null`; the published schema only
      // allows a user or nothing, so it is left out.
      const event: InstallationCreatedEvent = { action, ...common };
      return event;
    }
    case "deleted": {
      const event: InstallationDeletedEvent = { action, ...common, requester: null };
      return event;
    }
    case "new_permissions_accepted": {
      const event: InstallationNewPermissionsAcceptedEvent = { action, ...common, requester: null };
      return event;
    }
    case "suspend": {
      const { suspended_by, suspended_at } = inst;
      if (suspended_by === null || suspended_at === null) {
        throw new PayloadInputError(`installation ${inst.id}: suspend needs suspendedAt`);
      }
      const event: InstallationSuspendEvent = {
        action,
        ...common,
        installation: { ...inst, suspended_by, suspended_at },
        requester: null,
      };
      return event;
    }
    case "unsuspend": {
      const event: InstallationUnsuspendEvent = {
        action,
        ...common,
        installation: { ...inst, suspended_by: null, suspended_at: null },
        requester: null,
      };
      return event;
    }
    default:
      return action satisfies never;
  }
}

export type InstallationRepositoriesAction = "added" | "removed";

export type InstallationRepositoriesPayload<
  A extends InstallationRepositoriesAction = InstallationRepositoriesAction,
> = Extract<InstallationRepositoriesEvent, { action: A }>;

export interface InstallationRepositoriesPayloadInput {
  installation: SimInstallation;
  added: SimRepository[];
  removed: SimRepository[];
  sender: SimAccount;
}

/** GitHub sends additions and removals as separate events; the other list is always empty. */
export function installationRepositoriesPayload<A extends InstallationRepositoriesAction>(
  action: A,
  input: InstallationRepositoriesPayloadInput,
  urls?: Partial<GitHubUrls>,
): InstallationRepositoriesPayload<A> {
  const resolved = resolveUrls(urls);
  const common = {
    installation: installation(input.installation, resolved, input.sender),
    repository_selection: input.installation.repositorySelection,
    requester: null,
    sender: user(input.sender, resolved),
  };
  const other = action === "added" ? input.removed : input.added;
  if (other.length > 0) {
    throw new PayloadInputError(`installation_repositories.${action} cannot carry the other list`);
  }
  let event: InstallationRepositoriesEvent;
  if (action === "added") {
    const added: InstallationRepositoriesAddedEvent = {
      action: "added",
      ...common,
      repositories_added: input.added.map(repositoryRef),
      repositories_removed: [],
    };
    event = added;
  } else {
    const removed: InstallationRepositoriesRemovedEvent = {
      action: "removed",
      ...common,
      repositories_added: [],
      repositories_removed: input.removed.map(repositoryRef),
    };
    event = removed;
  }
  return event as InstallationRepositoriesPayload<A>;
}
