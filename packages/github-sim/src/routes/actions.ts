import type { components } from "@octokit/openapi-types";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { GitHubHttpError, notFound } from "../http-error.js";
import type { RepositoryRecord } from "../state/records.js";
import { rerunJob } from "../state/reruns.js";
import { resolveRef } from "../state/repositories.js";
import { restWorkflowJob, restWorkflowRun } from "../webhooks/payloads/rest.js";
import type { RouteDeps } from "./deps.js";
import { DEFAULT_PERMISSIONS } from "../webhooks/payloads/accounts.js";
import { callerInstallation, installationAuth } from "./installation.js";
import { paginate } from "./pagination.js";

interface RepoParams {
  owner: string;
  repo: string;
}

/** The repository in the URL, if the caller's installation holds it; 404 otherwise. */
function repoOf(
  deps: RouteDeps,
  request: FastifyRequest<{ Params: RepoParams }>,
): RepositoryRecord {
  const installation = callerInstallation(deps, request);
  const repo = deps.ctx.state.findRepository(`${request.params.owner}/${request.params.repo}`);
  if (!repo || repo.installationId !== installation.id) throw notFound();
  return repo;
}

/** GitHub's answer to a token whose installation lacks a permission the endpoint needs. */
const notAccessible = () => new GitHubHttpError(403, "Resource not accessible by integration");

/**
 * Jobs, runs and workflow files: what Hangar reads to check stale jobs and runner
 * specs, and re-runs of jobs lost with their runner.
 */
export function actionsRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get<{ Params: RepoParams & { jobId: string } }>(
    "/repos/:owner/:repo/actions/jobs/:jobId",
    installationAuth,
    (request, reply) => {
      const repo = repoOf(deps, request);
      const job = deps.ctx.state.jobs.get(Number(request.params.jobId));
      if (!job || job.repositoryId !== repo.id) throw notFound();
      return reply.send(restWorkflowJob(job, repo, deps.urls()));
    },
  );

  // Needs `actions: write`; only jobs of a completed run (see state/reruns.ts).
  app.post<{ Params: RepoParams & { jobId: string }; Body: unknown }>(
    "/repos/:owner/:repo/actions/jobs/:jobId/rerun",
    installationAuth,
    (request, reply) => {
      const repo = repoOf(deps, request);
      const installation = callerInstallation(deps, request);
      const permissions = installation.permissions ?? DEFAULT_PERMISSIONS;
      if (permissions.actions !== "write") throw notAccessible();
      const body: unknown = request.body ?? {};
      const debug =
        typeof body === "object" && body !== null && "enable_debug_logging" in body
          ? body.enable_debug_logging
          : undefined;
      if (debug !== undefined && typeof debug !== "boolean") {
        throw new GitHubHttpError(
          422,
          "Invalid request.\n\nFor 'properties/enable_debug_logging', is not a boolean.",
        );
      }
      const job = deps.ctx.state.jobs.get(Number(request.params.jobId));
      if (!job || job.repositoryId !== repo.id) throw notFound();
      rerunJob(deps.ctx, job);
      return reply.code(201).send({});
    },
  );

  app.get<{ Params: RepoParams & { runId: string } }>(
    "/repos/:owner/:repo/actions/runs/:runId",
    installationAuth,
    (request, reply) => {
      const repo = repoOf(deps, request);
      const run = deps.ctx.state.runs.get(Number(request.params.runId));
      if (!run || run.repositoryId !== repo.id) throw notFound();
      return reply.send(restWorkflowRun(run, repo, deps.urls()));
    },
  );

  // filter=latest (the default): the latest attempt's jobs; filter=all: every attempt's.
  app.get<{ Params: RepoParams & { runId: string }; Querystring: Record<string, string> }>(
    "/repos/:owner/:repo/actions/runs/:runId/jobs",
    installationAuth,
    async (request, reply) => {
      const repo = repoOf(deps, request);
      const run = deps.ctx.state.runs.get(Number(request.params.runId));
      if (!run || run.repositoryId !== repo.id) throw notFound();
      const filter = request.query.filter ?? "latest";
      if (filter !== "latest" && filter !== "all") {
        throw new GitHubHttpError(422, `Invalid request.\n\n${filter} is not a valid filter.`);
      }
      const ids = filter === "all" ? [...run.previousJobIds, ...run.jobIds] : run.jobIds;
      const jobs = ids.map((id) => deps.ctx.state.jobs.get(id)).filter((j) => j !== undefined);
      const page = paginate(jobs, request.query, new URL(request.url, deps.urls().apiBaseUrl));
      if (page.link) void reply.header("link", page.link);
      return {
        total_count: jobs.length,
        jobs: page.items.map((j) => restWorkflowJob(j, repo, deps.urls())),
      };
    },
  );

  app.get<{ Params: RepoParams & { "*": string }; Querystring: { ref?: string } }>(
    "/repos/:owner/:repo/contents/*",
    installationAuth,
    (request, reply) => {
      const repo = repoOf(deps, request);
      const commit = resolveRef(repo, request.query.ref);
      if (!commit) throw notFound();
      const path = request.params["*"].replace(/^\/+|\/+$/g, "");
      const base = `${deps.urls().apiBaseUrl}/repos/${repo.fullName}/contents`;
      const refQuery = `?ref=${encodeURIComponent(request.query.ref ?? repo.defaultBranch)}`;
      const web = `${deps.urls().webBaseUrl}/${repo.fullName}/blob/${commit.sha}`;
      const links = (entryPath: string, sha: string) => ({
        url: `${base}/${entryPath}${refQuery}`,
        git_url: `${deps.urls().apiBaseUrl}/repos/${repo.fullName}/git/blobs/${sha}`,
        html_url: `${web}/${entryPath}`,
        _links: {
          self: `${base}/${entryPath}${refQuery}`,
          git: `${deps.urls().apiBaseUrl}/repos/${repo.fullName}/git/blobs/${sha}`,
          html: `${web}/${entryPath}`,
        },
      });
      const file = commit.tree.get(path);
      if (file) {
        const name = path.split("/").pop() ?? path;
        const body: components["schemas"]["content-file"] = {
          type: "file",
          encoding: "base64",
          size: Buffer.byteLength(file.content, "utf8"),
          name,
          path,
          content: Buffer.from(file.content, "utf8").toString("base64"),
          sha: file.sha,
          download_url: null,
          ...links(path, file.sha),
        };
        return reply.send(body);
      }
      // A directory lists its direct children: files and subdirectories.
      const prefix = path === "" ? "" : `${path}/`;
      const entries = new Map<string, { type: "file" | "dir"; sha: string; size: number }>();
      for (const [filePath, blob] of commit.tree) {
        if (!filePath.startsWith(prefix)) continue;
        const [child = "", ...rest] = filePath.slice(prefix.length).split("/");
        if (rest.length === 0) {
          entries.set(child, {
            type: "file",
            sha: blob.sha,
            size: Buffer.byteLength(blob.content),
          });
        } else if (!entries.has(child)) {
          entries.set(child, { type: "dir", sha: "0".repeat(40), size: 0 });
        }
      }
      if (entries.size === 0) throw notFound();
      const listing: components["schemas"]["content-directory"] = [...entries.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, e]) => ({
          type: e.type,
          size: e.size,
          name,
          path: `${prefix}${name}`,
          sha: e.sha,
          download_url: null,
          ...links(`${prefix}${name}`, e.sha),
        }));
      return reply.send(listing);
    },
  );
}
