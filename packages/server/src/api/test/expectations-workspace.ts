import type { RpcExpectation } from "./permission-matrix.js";
import { freshMember, freshProject, freshToken, freshWorkspace, unique } from "./fixtures.js";

// hangar.v1.WorkspaceService: who may call each RPC, and a request about the harness's
// first workspace that succeeds for an allowed caller.

export const workspaceServiceExpectations: Record<string, RpcExpectation> = {
  createWorkspace: {
    minimumRole: "platform admin",
    request: () => ({ slug: unique("new"), name: "A new tenant", maxRunners: 5 }),
  },
  getWorkspace: { minimumRole: "viewer", request: (h) => ({ id: h.tenant.workspaceId }) },
  listWorkspaces: { minimumRole: "signed in", request: () => ({ pageSize: 10 }) },
  renameWorkspace: {
    minimumRole: "owner",
    request: (h) => ({ id: h.tenant.workspaceId, name: unique("Renamed") }),
  },
  deleteWorkspace: {
    minimumRole: "owner",
    request: async (h) => ({ id: await freshWorkspace(h) }),
  },
  createProject: {
    minimumRole: "admin",
    request: (h) => ({ workspaceId: h.tenant.workspaceId, name: unique("project") }),
  },
  listProjects: { minimumRole: "viewer", request: (h) => ({ workspaceId: h.tenant.workspaceId }) },
  renameProject: {
    minimumRole: "admin",
    request: (h) => ({ id: h.tenant.projectId, name: unique("default") }),
  },
  deleteProject: {
    minimumRole: "admin",
    request: async (h) => ({ id: await freshProject(h) }),
  },
  listMembers: { minimumRole: "viewer", request: (h) => ({ workspaceId: h.tenant.workspaceId }) },
  addMember: {
    minimumRole: "admin",
    request: (h) => ({
      workspaceId: h.tenant.workspaceId,
      email: `${unique("someone")}@example.com`,
      role: "member",
    }),
  },
  updateMemberRole: {
    minimumRole: "admin",
    request: async (h) => ({
      workspaceId: h.tenant.workspaceId,
      userId: await freshMember(h, "viewer"),
      role: "member",
    }),
  },
  removeMember: {
    minimumRole: "admin",
    request: async (h) => ({
      workspaceId: h.tenant.workspaceId,
      userId: await freshMember(h, "member"),
    }),
  },
  createApiToken: {
    minimumRole: "admin",
    request: (h) => ({ workspaceId: h.tenant.workspaceId, name: unique("ci"), role: "viewer" }),
  },
  listApiTokens: {
    minimumRole: "admin",
    request: (h) => ({ workspaceId: h.tenant.workspaceId, includeInactive: true }),
  },
  revokeApiToken: {
    minimumRole: "admin",
    request: async (h) => ({ id: await freshToken(h, "viewer") }),
  },
  listAuditEvents: {
    minimumRole: "admin",
    request: (h) => ({ workspaceId: h.tenant.workspaceId, objectType: "runner" }),
  },
};
