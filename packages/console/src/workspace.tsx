import { createContext, useContext } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { createConnectQueryKey } from "@connectrpc/connect-query";
import { WorkspaceService, type Workspace } from "@hangar/api/workspace_service_pb.js";

export type WorkspaceContext = {
  workspace: Workspace;
  /** Everyone but viewers may change runners. */
  canEdit: boolean;
  /** Owners and admins manage installations, members and tokens. */
  canAdmin: boolean;
  /** Prefix of this workspace's routes, e.g. "/w/acme". */
  base: string;
};

const Context = createContext<WorkspaceContext | undefined>(undefined);

export const WorkspaceProvider = Context.Provider;

export function workspaceContext(workspace: Workspace): WorkspaceContext {
  const role = workspace.callerRole;
  return {
    workspace,
    canEdit: role === "owner" || role === "admin" || role === "member",
    canAdmin: role === "owner" || role === "admin",
    base: `/w/${encodeURIComponent(workspace.slug)}`,
  };
}

export function useWorkspace(): WorkspaceContext {
  const value = useContext(Context);
  if (value === undefined) throw new Error("useWorkspace() outside a workspace page");
  return value;
}

/** Roles from least to most: a token is never above its creator's. */
export const roles = ["viewer", "member", "admin", "owner"];

/** Refetches everything WorkspaceService answered, after a change through it. */
export function useInvalidateWorkspace(): () => Promise<void> {
  const queryClient = useQueryClient();
  return () =>
    queryClient.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: WorkspaceService, cardinality: undefined }),
    });
}
