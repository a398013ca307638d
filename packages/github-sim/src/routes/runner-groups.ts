import type { components } from "@octokit/openapi-types";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { GitHubHttpError, notFound } from "../http-error.js";
import { SimInputError } from "../state/context.js";
import type { RunnerGroupRecord } from "../state/records.js";
import {
  changeGroupRepository,
  createGroup,
  deleteGroup,
  groupAdmits,
  groupRepositories,
  isVisibility,
  orgGroup,
  setGroupRepositories,
  updateGroup,
} from "../state/runner-groups.js";
import { restRepository, restRunner } from "../webhooks/payloads/rest.js";
import type { RouteDeps } from "./deps.js";
import { callerInstallation, installationAuth } from "./installation.js";
import { paginate } from "./pagination.js";

// `/orgs/{org}/actions/runner-groups…`: an organisation's self-hosted runner groups and
// the repositories each admits, with GitHub's paths, status codes and bodies.

type GroupParams = { org: string; group_id: string };
type Body = Record<string, unknown>;

/** The org a URL names, if the caller's installation is on it; 404 otherwise. */
function callerOrg(deps: RouteDeps, request: FastifyRequest<{ Params: { org: string } }>): string {
  const installation = callerInstallation(deps, request);
  const { org } = request.params;
  const matches =
    installation.account.type === "Organization" &&
    installation.account.login.toLowerCase() === org.toLowerCase();
  if (!matches) throw notFound();
  return installation.account.login;
}

/** State errors in GitHub's error shape. */
function rest<T>(change: () => T): T {
  try {
    return change();
  } catch (error) {
    if (error instanceof SimInputError) throw new GitHubHttpError(error.status, error.message);
    throw error;
  }
}

function invalid(field: string, problem: string): GitHubHttpError {
  return new GitHubHttpError(422, `Invalid request.\n\nFor 'properties/${field}', ${problem}.`);
}

function bodyOf(request: FastifyRequest): Body {
  const body = request.body;
  return typeof body === "object" && body !== null ? (body as Body) : {};
}

function requiredName(body: Body): string {
  if (typeof body.name !== "string") {
    throw new GitHubHttpError(422, 'Invalid request.\n\n"name" wasn\'t supplied.');
  }
  return body.name;
}

function optionalVisibility(body: Body): RunnerGroupRecord["visibility"] | undefined {
  if (body.visibility === undefined) return undefined;
  if (!isVisibility(body.visibility)) {
    throw invalid("visibility", `${JSON.stringify(body.visibility)} is not a member of the enum`);
  }
  return body.visibility;
}

function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw invalid(field, `${JSON.stringify(value)} is not a boolean`);
  return value;
}

function idList(body: Body, field: string, required: boolean): number[] | undefined {
  const value = body[field];
  if (value === undefined) {
    if (required) throw new GitHubHttpError(422, `Invalid request.\n\n"${field}" wasn't supplied.`);
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((v): v is number => Number.isInteger(v))) {
    throw invalid(field, "it is not an array of integers");
  }
  return value;
}

function groupId(params: GroupParams): number {
  const id = Number(params.group_id);
  if (!Number.isInteger(id)) throw notFound();
  return id;
}

function restGroup(
  group: RunnerGroupRecord,
  org: string,
  base: string,
): components["schemas"]["runner-groups-org"] {
  const url = `${base}/orgs/${org}/actions/runner-groups/${group.id}`;
  return {
    id: group.id,
    name: group.name,
    visibility: group.visibility,
    default: group.isDefault,
    ...(group.visibility === "selected"
      ? { selected_repositories_url: `${url}/repositories` }
      : {}),
    runners_url: `${url}/runners`,
    hosted_runners_url: `${url}/hosted-runners`,
    inherited: false,
    allows_public_repositories: group.allowsPublicRepositories,
    restricted_to_workflows: false,
    selected_workflows: [],
    workflow_restrictions_read_only: false,
  };
}

export function runnerGroupRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const base = () => deps.urls().apiBaseUrl;
  const prefix = "/orgs/:org/actions/runner-groups";

  app.get<{ Params: { org: string }; Querystring: Record<string, string> }>(
    prefix,
    installationAuth,
    (request, reply) => {
      const org = callerOrg(deps, request);
      let groups = deps.ctx.state.groupsOf(org);
      const visibleTo = request.query.visible_to_repository;
      if (visibleTo !== undefined) {
        const repo = deps.ctx.state.findRepository(`${org}/${visibleTo}`);
        groups = repo === undefined ? [] : groups.filter((g) => groupAdmits(g, repo));
      }
      const page = paginate(groups, request.query, new URL(request.url, base()));
      if (page.link) void reply.header("link", page.link);
      return reply.send({
        total_count: groups.length,
        runner_groups: page.items.map((g) => restGroup(g, org, base())),
      });
    },
  );

  app.post<{ Params: { org: string } }>(prefix, installationAuth, (request, reply) => {
    const org = callerOrg(deps, request);
    const body = bodyOf(request);
    const name = requiredName(body);
    const visibility = optionalVisibility(body);
    const selected = idList(body, "selected_repository_ids", false);
    const runners = idList(body, "runners", false);
    const allowsPublic = optionalBoolean(body, "allows_public_repositories");
    const group = rest(() =>
      createGroup(deps.ctx, org, {
        name,
        ...(visibility === undefined ? {} : { visibility }),
        ...(selected === undefined ? {} : { selectedRepositoryIds: selected }),
        ...(runners === undefined ? {} : { runnerIds: runners }),
        ...(allowsPublic === undefined ? {} : { allowsPublicRepositories: allowsPublic }),
      }),
    );
    return reply.code(201).send(restGroup(group, org, base()));
  });

  app.get<{ Params: GroupParams }>(`${prefix}/:group_id`, installationAuth, (request, reply) => {
    const org = callerOrg(deps, request);
    const group = rest(() => orgGroup(deps.ctx, org, groupId(request.params)));
    return reply.send(restGroup(group, org, base()));
  });

  app.patch<{ Params: GroupParams }>(`${prefix}/:group_id`, installationAuth, (request, reply) => {
    const org = callerOrg(deps, request);
    const body = bodyOf(request);
    const name = requiredName(body);
    const visibility = optionalVisibility(body);
    const allowsPublic = optionalBoolean(body, "allows_public_repositories");
    const group = rest(() =>
      updateGroup(deps.ctx, org, groupId(request.params), {
        name,
        ...(visibility === undefined ? {} : { visibility }),
        ...(allowsPublic === undefined ? {} : { allowsPublicRepositories: allowsPublic }),
      }),
    );
    return reply.send(restGroup(group, org, base()));
  });

  app.delete<{ Params: GroupParams }>(`${prefix}/:group_id`, installationAuth, (request, reply) => {
    const org = callerOrg(deps, request);
    rest(() => {
      deleteGroup(deps.ctx, org, groupId(request.params));
    });
    return reply.code(204).send();
  });

  app.get<{ Params: GroupParams; Querystring: Record<string, string> }>(
    `${prefix}/:group_id/repositories`,
    installationAuth,
    (request, reply) => {
      const org = callerOrg(deps, request);
      const group = rest(() => orgGroup(deps.ctx, org, groupId(request.params)));
      const all = groupRepositories(group, deps.ctx);
      const page = paginate(all, request.query, new URL(request.url, base()));
      if (page.link) void reply.header("link", page.link);
      return reply.send({
        total_count: all.length,
        repositories: page.items.map((r) => restRepository(r, deps.urls())),
      });
    },
  );

  app.put<{ Params: GroupParams }>(
    `${prefix}/:group_id/repositories`,
    installationAuth,
    (request, reply) => {
      const org = callerOrg(deps, request);
      const ids = idList(bodyOf(request), "selected_repository_ids", true) ?? [];
      rest(() => {
        setGroupRepositories(deps.ctx, org, groupId(request.params), ids);
      });
      return reply.code(204).send();
    },
  );

  for (const [method, change] of [
    ["PUT", "add"],
    ["DELETE", "remove"],
  ] as const) {
    app.route<{ Params: GroupParams & { repository_id: string } }>({
      method,
      url: `${prefix}/:group_id/repositories/:repository_id`,
      ...installationAuth,
      handler: (request, reply) => {
        const org = callerOrg(deps, request);
        const repositoryId = Number(request.params.repository_id);
        rest(() => {
          changeGroupRepository(deps.ctx, org, groupId(request.params), repositoryId, change);
        });
        return reply.code(204).send();
      },
    });
  }

  app.get<{ Params: GroupParams; Querystring: Record<string, string> }>(
    `${prefix}/:group_id/runners`,
    installationAuth,
    (request, reply) => {
      const org = callerOrg(deps, request);
      const group = rest(() => orgGroup(deps.ctx, org, groupId(request.params)));
      const all = [...deps.ctx.state.runners.values()]
        .filter((r) => r.scope.kind === "org" && r.ownerLogin.toLowerCase() === org.toLowerCase())
        .filter((r) => r.runnerGroupId === group.id)
        .sort((a, b) => a.id - b.id);
      const page = paginate(all, request.query, new URL(request.url, base()));
      if (page.link) void reply.header("link", page.link);
      return reply.send({ total_count: all.length, runners: page.items.map((r) => restRunner(r)) });
    },
  );
}
