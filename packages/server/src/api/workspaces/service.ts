import type { ServiceImpl } from "@connectrpc/connect";
import type { WorkspaceService } from "@hangar/api/workspace_service_pb.js";
import type { ServiceDeps } from "../service-deps.js";
import { createAuditHandlers } from "./audit-handlers.js";
import { createMemberHandlers } from "./member-handlers.js";
import { createProjectHandlers } from "./project-handlers.js";
import { createTokenHandlers } from "./token-handlers.js";
import { createWorkspaceHandlers } from "./workspace-handlers.js";

/** hangar.v1.WorkspaceService. The compiler checks that every RPC has its handler. */
export function createWorkspaceService(
  deps: ServiceDeps & { namespacePrefix: string },
): ServiceImpl<typeof WorkspaceService> {
  const workspaces = createWorkspaceHandlers(deps);
  const projects = createProjectHandlers(deps);
  const members = createMemberHandlers(deps);
  const tokens = createTokenHandlers(deps);
  const audit = createAuditHandlers(deps);
  return {
    createWorkspace: (request, context) => workspaces.createWorkspace(request, context),
    getWorkspace: (request, context) => workspaces.getWorkspace(request, context),
    listWorkspaces: (request, context) => workspaces.listWorkspaces(request, context),
    renameWorkspace: (request, context) => workspaces.renameWorkspace(request, context),
    deleteWorkspace: (request, context) => workspaces.deleteWorkspace(request, context),
    createProject: (request, context) => projects.createProject(request, context),
    listProjects: (request, context) => projects.listProjects(request, context),
    renameProject: (request, context) => projects.renameProject(request, context),
    deleteProject: (request, context) => projects.deleteProject(request, context),
    listMembers: (request, context) => members.listMembers(request, context),
    addMember: (request, context) => members.addMember(request, context),
    updateMemberRole: (request, context) => members.updateMemberRole(request, context),
    removeMember: (request, context) => members.removeMember(request, context),
    createApiToken: (request, context) => tokens.createApiToken(request, context),
    listApiTokens: (request, context) => tokens.listApiTokens(request, context),
    revokeApiToken: (request, context) => tokens.revokeApiToken(request, context),
    listAuditEvents: (request, context) => audit.listAuditEvents(request, context),
  };
}
