import type { Workspace } from "@hangar/api/workspace_service_pb.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { collect, type Api } from "./api.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Every workspace the token sees. */
export async function listAllWorkspaces(api: Api): Promise<Workspace[]> {
  const { items } = await api.call(() =>
    collect(
      async (pageSize, pageToken) => {
        const page = await api.workspaces.listWorkspaces({ pageSize, pageToken });
        return { items: page.workspaces, nextPageToken: page.nextPageToken };
      },
      { limit: 0, all: true },
    ),
  );
  return items;
}

/**
 * The workspace id of `--workspace` (an id or a slug), or of the only workspace the
 * token sees when none is named.
 */
export async function workspaceId(api: Api, named = api.settings.workspace): Promise<string> {
  if (named !== undefined && isUuid(named)) return named.toLowerCase();
  const workspaces = await listAllWorkspaces(api);
  if (named === undefined) {
    const [only] = workspaces;
    if (workspaces.length === 1 && only !== undefined) return only.id;
    throw new CliError(
      workspaces.length === 0
        ? "this token sees no workspace"
        : `this token sees ${workspaces.length} workspaces; say which one`,
      ExitCode.usage,
      "pass --workspace <id or slug>, set HANGAR_WORKSPACE, or `hangar login --workspace`",
    );
  }
  const found = workspaces.find((workspace) => workspace.slug === named);
  if (found === undefined) {
    throw new CliError(`no workspace "${named}" is visible to this token`, ExitCode.notFound);
  }
  return found.id;
}
