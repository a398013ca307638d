import type { FastifyInstance, FastifyRequest } from "fastify";
import { GitHubHttpError, notFound } from "../http-error.js";
import type { RunnerScope } from "../state/records.js";
import { registerJitRunner, runnersIn } from "../state/runners.js";
import { restRunner } from "../webhooks/payloads/rest.js";
import type { RouteDeps } from "./deps.js";
import { callerInstallation, installationAuth } from "./installation.js";
import { paginate } from "./pagination.js";

interface ScopeParams {
  org?: string;
  owner?: string;
  repo?: string;
}

interface ResolvedScope {
  scope: RunnerScope;
  ownerLogin: string;
}

/** The runner scope a URL names, if the caller's installation covers it; 404 otherwise. */
function resolveScope(
  deps: RouteDeps,
  request: FastifyRequest<{ Params: ScopeParams }>,
): ResolvedScope {
  const installation = callerInstallation(deps, request);
  const { org, owner, repo } = request.params;
  if (org !== undefined) {
    const matches =
      installation.account.type === "Organization" &&
      installation.account.login.toLowerCase() === org.toLowerCase();
    if (!matches) throw notFound();
    return {
      scope: { kind: "org", owner: installation.account.login },
      ownerLogin: installation.account.login,
    };
  }
  const record = deps.ctx.state.findRepository(`${owner ?? ""}/${repo ?? ""}`);
  if (!record || record.installationId !== installation.id) throw notFound();
  return { scope: { kind: "repo", repositoryId: record.id }, ownerLogin: record.owner.login };
}

function unprocessable(message: string): GitHubHttpError {
  return new GitHubHttpError(422, message);
}

interface JitBody {
  name: string;
  runnerGroupId: number;
  labels: string[];
}

/** GitHub's checks on a JIT request, each answered 422 as GitHub does. */
function parseJitBody(body: unknown): JitBody {
  const b = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  if (typeof b.name !== "string" || b.name.trim() === "") {
    throw unprocessable('Invalid request.\n\n"name" wasn\'t supplied.');
  }
  if (typeof b.runner_group_id !== "number" || !Number.isInteger(b.runner_group_id)) {
    throw unprocessable('Invalid request.\n\n"runner_group_id" wasn\'t supplied.');
  }
  const labels = b.labels;
  if (
    !Array.isArray(labels) ||
    !labels.every((l): l is string => typeof l === "string" && l !== "")
  ) {
    throw unprocessable('Invalid request.\n\n"labels" wasn\'t supplied.');
  }
  if (labels.length < 1 || labels.length > 100) {
    throw unprocessable(
      `Invalid request.\n\nFor 'properties/labels', ${labels.length} items are not between 1 and 100.`,
    );
  }
  if (b.work_folder !== undefined && typeof b.work_folder !== "string") {
    throw unprocessable("Invalid request.\n\nFor 'properties/work_folder', it is not a string.");
  }
  return { name: b.name, runnerGroupId: b.runner_group_id, labels };
}

/** Runner registration, listing and removal, at org and at repository scope. */
export function runnerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  for (const prefix of ["/orgs/:org/actions/runners", "/repos/:owner/:repo/actions/runners"]) {
    app.post<{ Params: ScopeParams }>(
      `${prefix}/generate-jitconfig`,
      installationAuth,
      async (request, reply) => {
        const { scope, ownerLogin } = resolveScope(deps, request);
        const body = parseJitBody(request.body);
        if (!deps.ctx.state.findGroup(ownerLogin, body.runnerGroupId)) {
          throw notFound();
        }
        if (runnersIn(deps.ctx, scope).some((r) => r.name === body.name)) {
          throw new GitHubHttpError(
            409,
            `Already exists - A runner with the name ${body.name} already exists.`,
          );
        }
        const { runner, encodedJitConfig } = registerJitRunner(deps.ctx, {
          scope,
          ownerLogin,
          name: body.name,
          runnerGroupId: body.runnerGroupId,
          labels: body.labels,
        });
        return reply
          .code(201)
          .send({ runner: restRunner(runner), encoded_jit_config: encodedJitConfig });
      },
    );

    app.get<{ Params: ScopeParams; Querystring: Record<string, string> }>(
      prefix,
      installationAuth,
      async (request, reply) => {
        const { scope } = resolveScope(deps, request);
        const name = request.query.name;
        const all = runnersIn(deps.ctx, scope)
          .filter((r) => name === undefined || r.name === name)
          .sort((a, b) => a.id - b.id);
        const page = paginate(all, request.query, new URL(request.url, deps.urls().apiBaseUrl));
        if (page.link) void reply.header("link", page.link);
        return { total_count: all.length, runners: page.items.map((r) => restRunner(r)) };
      },
    );

    app.get<{ Params: ScopeParams & { id: string } }>(
      `${prefix}/:id`,
      installationAuth,
      (request, reply) => {
        const { scope } = resolveScope(deps, request);
        const runner = runnersIn(deps.ctx, scope).find((r) => r.id === Number(request.params.id));
        if (!runner) throw notFound();
        return reply.send(restRunner(runner));
      },
    );

    app.delete<{ Params: ScopeParams & { id: string } }>(
      `${prefix}/:id`,
      installationAuth,
      async (request, reply) => {
        const { scope } = resolveScope(deps, request);
        const runner = runnersIn(deps.ctx, scope).find((r) => r.id === Number(request.params.id));
        if (!runner) throw notFound();
        if (runner.busy) {
          throw unprocessable(`Bad request - Runner "${runner.name}" is still running a job"`);
        }
        deps.ctx.state.runners.delete(runner.id);
        return reply.code(204).send();
      },
    );
  }
}
