import type { components } from "@octokit/openapi-types";
import type { HangarOctokit } from "../request-pipeline.js";
import type { Installation } from "../types.js";
import { toId } from "./convert.js";

// Calls authenticated as the App (JWT): which installations exist.

type InstallationData = components["schemas"]["installation"];

function mapInstallation(data: InstallationData): Installation {
  const account = data.account;
  const permissions: Record<string, string> = {};
  for (const [name, level] of Object.entries(data.permissions)) {
    if (typeof level === "string") permissions[name] = level;
  }
  return {
    id: toId(data.id),
    account:
      account === null
        ? null
        : "login" in account
          ? { id: toId(account.id), login: account.login, type: account.type }
          : { id: toId(account.id), login: account.slug, type: "Enterprise" },
    repositorySelection: data.repository_selection,
    suspendedAt: data.suspended_at,
    permissions,
    events: data.events,
  };
}

export async function getInstallation(
  octokit: HangarOctokit,
  installationId: number,
): Promise<Installation> {
  const { data } = await octokit.request("GET /app/installations/{installation_id}", {
    installation_id: installationId,
  });
  return mapInstallation(data);
}

export async function listInstallations(octokit: HangarOctokit): Promise<Installation[]> {
  const all = await octokit.paginate("GET /app/installations", { per_page: 100 });
  return all.map(mapInstallation);
}
