import { create } from "@bufbuild/protobuf";
import {
  durationFromMs,
  timestampFromMs,
  timestampMs,
  type Timestamp,
} from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { RunnerFleetSchema, RunnerSchema, type Runner } from "@hangar/api/runner_pb.js";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import {
  JobSchema,
  JobService,
  JobTimelineEntrySchema,
  type Job,
} from "@hangar/api/job_service_pb.js";
import { OfferingService } from "@hangar/api/offering_service_pb.js";
import { InstallationService } from "@hangar/api/installation_service_pb.js";
import { RegistryCredentialService } from "@hangar/api/registry_credential_service_pb.js";
import {
  ApiTokenSchema,
  MemberSchema,
  WorkspaceService,
} from "@hangar/api/workspace_service_pb.js";
import { UsageService } from "@hangar/api/usage_service_pb.js";
import type { FakeJob, FakeState } from "./fake-data.js";
import { usageCsv, usagePeriod, usageStatement } from "./fake-usage.js";

// In-memory implementations of the contract, enough to drive the dashboard: reads
// filter and page like the real API, writes check the caller's role the way the
// protos say (outside the caller's reach: NOT_FOUND; visible but not allowed:
// PERMISSION_DENIED).

const rank: Record<string, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
type Need = "read" | "edit" | "admin";
const needed: Record<Need, number> = { read: 0, edit: 1, admin: 2 };

function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function toJob(j: FakeJob): Job {
  return create(JobSchema, {
    ...j,
    installationId: 4242n,
    runAttempt: 1,
    createTime: timestampFromMs(j.createMs),
    ...(j.startMs === undefined ? {} : { startTime: timestampFromMs(j.startMs) }),
    ...(j.completeMs === undefined ? {} : { completeTime: timestampFromMs(j.completeMs) }),
    ...(j.startMs === undefined ? {} : { queueDuration: durationFromMs(j.startMs - j.createMs) }),
    ...(j.startMs === undefined || j.completeMs === undefined
      ? {}
      : { runDuration: durationFromMs(j.completeMs - j.startMs) }),
    htmlUrl: `https://github.com/${j.repository}/actions/runs/${j.runId}/job/${j.id}`,
  });
}

function page<T>(items: T[], size: number, token: string): { items: T[]; next: string } {
  const limit = size <= 0 ? 50 : Math.min(size, 500);
  const offset = token === "" ? 0 : Number(token);
  const next = offset + limit < items.length ? String(offset + limit) : "";
  return { items: items.slice(offset, offset + limit), next };
}

// What UpdateRunner may change (runner_service.proto); the custom-only ones need a custom runner.
const updatable = new Set([
  "labels",
  "repositories",
  "min_idle",
  "max_runners",
  "prewarm_max_idle",
]);
const customOnly = new Set(["image", "cpu", "memory", "registry_credential_id"]);

/**
 * The runner's fleet as the pool would report it: a busy instance per running job,
 * `min_idle` idle ones, and instances starting for queued jobs up to `desired`.
 */
export function withFleet(runner: Runner, jobs: FakeJob[]): Runner {
  const mine = jobs.filter((j) => j.runnerId === runner.id && j.status !== "completed");
  const running = mine.filter((j) => j.status === "in_progress").length;
  const serving = runner.status === "active";
  const idle = serving ? runner.minIdle : 0;
  const desired = serving ? Math.min(runner.maxRunners, runner.minIdle + mine.length) : running;
  const fleet = create(RunnerFleetSchema, {
    registered: running + idle,
    busy: running,
    idle,
    starting: Math.max(0, desired - running - idle),
    desired,
    assignedJobs: mine.length,
    runningJobs: running,
  });
  return { ...runner, fleet };
}

const ms = (t: Timestamp | undefined): number | undefined =>
  t === undefined ? undefined : timestampMs(t);

export function fakeRoutes(state: FakeState, clock: () => number) {
  const caller = (ctx: HandlerContext): Map<string, string> => {
    const header = ctx.requestHeader.get("authorization") ?? "";
    const roles = state.roles.get(header.replace(/^Bearer /, ""));
    if (roles === undefined)
      throw new ConnectError("invalid or missing API token", Code.Unauthenticated);
    return roles;
  };
  const authorize = (ctx: HandlerContext, workspaceId: string, need: Need): void => {
    const role = caller(ctx).get(workspaceId);
    if (role === undefined)
      throw new ConnectError(`workspace ${workspaceId} not found`, Code.NotFound);
    if ((rank[role] ?? -1) < needed[need]) {
      throw new ConnectError(`a ${role} cannot do this`, Code.PermissionDenied);
    }
  };
  const runnerFor = (ctx: HandlerContext, id: string, need: Need): Runner => {
    const runner = state.runners.find((r) => r.id === id);
    if (runner === undefined || !caller(ctx).has(runner.workspaceId)) {
      throw new ConnectError(`runner ${id} not found`, Code.NotFound);
    }
    authorize(ctx, runner.workspaceId, need);
    return runner;
  };
  const setStatus = (runner: Runner, status: string, message = ""): Runner => {
    runner.status = status;
    runner.statusMessage = message;
    runner.updateTime = timestampFromMs(clock());
    return runner;
  };

  return (router: ConnectRouter): void => {
    router.service(WorkspaceService, {
      listWorkspaces: (_req, ctx) => {
        const roles = caller(ctx);
        const workspaces = state.workspaces
          .filter((w) => roles.has(w.id))
          .map((w) => ({ ...w, callerRole: roles.get(w.id) ?? "" }));
        return { workspaces };
      },
      listMembers: (req, ctx) => {
        authorize(ctx, req.workspaceId, "read");
        return { members: state.members.filter((m) => m.workspaceId === req.workspaceId) };
      },
      addMember: (req, ctx) => {
        authorize(ctx, req.workspaceId, "admin");
        const member = create(MemberSchema, {
          workspaceId: req.workspaceId,
          userId: `u-${state.nextId()}`,
          email: req.email,
          role: req.role,
          createTime: timestampFromMs(clock()),
        });
        state.members.push(member);
        return { member };
      },
      updateMemberRole: (req, ctx) => {
        authorize(ctx, req.workspaceId, "admin");
        const member = state.members.find(
          (m) => m.workspaceId === req.workspaceId && m.userId === req.userId,
        );
        if (member === undefined) throw new ConnectError("member not found", Code.NotFound);
        member.role = req.role;
        return { member };
      },
      removeMember: (req, ctx) => {
        authorize(ctx, req.workspaceId, "admin");
        state.members = state.members.filter(
          (m) => !(m.workspaceId === req.workspaceId && m.userId === req.userId),
        );
        return {};
      },
      listApiTokens: (req, ctx) => {
        authorize(ctx, req.workspaceId, "read");
        const tokens = state.tokens.filter(
          (t) =>
            t.workspaceId === req.workspaceId &&
            (req.includeInactive || t.revokeTime === undefined),
        );
        return { tokens };
      },
      createApiToken: (req, ctx) => {
        authorize(ctx, req.workspaceId, "admin");
        const secret = `hgr_${state.nextId().toString(36)}${"x".repeat(28)}`;
        const token = create(ApiTokenSchema, {
          id: `tok-${state.nextId()}`,
          workspaceId: req.workspaceId,
          name: req.name,
          prefix: secret.slice(0, 8),
          role: req.role,
          createTime: timestampFromMs(clock()),
          createdBy: "token:tok-admin",
        });
        state.tokens.unshift(token);
        state.roles.set(secret, new Map([[req.workspaceId, req.role]]));
        return { token, secret };
      },
      revokeApiToken: (req, ctx) => {
        const token = state.tokens.find((t) => t.id === req.id);
        if (token === undefined) throw new ConnectError("token not found", Code.NotFound);
        authorize(ctx, token.workspaceId, "admin");
        token.revokeTime = timestampFromMs(clock());
        return { token };
      },
      listAuditEvents: (req, ctx) => {
        authorize(ctx, req.workspaceId, "read");
        const events = state.audit.filter(
          (e) =>
            e.workspaceId === req.workspaceId &&
            (req.objectType === "" || e.objectType === req.objectType) &&
            (req.actor === "" || e.actor === req.actor),
        );
        return { events };
      },
    });

    router.service(OfferingService, {
      listOfferings: (req, ctx) => {
        caller(ctx);
        return { offerings: state.offerings.filter((o) => req.includeRetired || !o.retired) };
      },
    });

    router.service(RegistryCredentialService, {
      listRegistryCredentials: (req, ctx) => {
        authorize(ctx, req.workspaceId, "read");
        return { credentials: state.credentials.filter((c) => c.workspaceId === req.workspaceId) };
      },
    });

    router.service(InstallationService, {
      listInstallations: (req, ctx) => {
        authorize(ctx, req.workspaceId, "read");
        return {
          installations: state.installations.filter((i) => i.workspaceId === req.workspaceId),
        };
      },
      listInstallationRepositories: (req, ctx) => {
        const inst = state.installations.find((i) => i.installationId === req.installationId);
        if (inst === undefined || !caller(ctx).has(inst.workspaceId)) {
          throw new ConnectError("installation not found", Code.NotFound);
        }
        return { repositories: state.repositories.get(inst.installationId) ?? [] };
      },
      setInstallationService: (req, ctx) => {
        const inst = state.installations.find((i) => i.installationId === req.installationId);
        if (inst === undefined || !caller(ctx).has(inst.workspaceId)) {
          throw new ConnectError("installation not found", Code.NotFound);
        }
        authorize(ctx, inst.workspaceId, "admin");
        inst.isServiceEnabled = req.enabled;
        return { installation: inst };
      },
    });

    router.service(RunnerService, {
      listRunners: (req, ctx) => {
        authorize(ctx, req.workspaceId, "read");
        const all = state.runners
          .filter(
            (r) =>
              r.workspaceId === req.workspaceId && (req.status === "" || r.status === req.status),
          )
          .sort((a, b) => (ms(b.createTime) ?? 0) - (ms(a.createTime) ?? 0));
        const { items, next } = page(all, req.pageSize, req.pageToken);
        return { runners: items.map((r) => withFleet(r, state.jobs)), nextPageToken: next };
      },
      getRunner: (req, ctx) => ({ runner: withFleet(runnerFor(ctx, req.id, "read"), state.jobs) }),
      updateRunner: (req, ctx) => {
        const runner = runnerFor(ctx, req.runner?.id ?? "", "edit");
        const given = req.runner;
        if (given === undefined || req.updateMask.length === 0) {
          throw new ConnectError("update_mask: name at least one field", Code.InvalidArgument);
        }
        for (const path of req.updateMask) {
          const allowed = updatable.has(path) || (runner.isCustom && customOnly.has(path));
          if (!allowed) {
            throw new ConnectError(`update_mask: ${path} cannot be changed`, Code.InvalidArgument);
          }
        }
        const next = { ...runner };
        for (const path of req.updateMask) {
          if (path === "labels") next.labels = given.labels;
          if (path === "repositories") next.repositories = given.repositories;
          if (path === "min_idle") next.minIdle = given.minIdle;
          if (path === "max_runners") next.maxRunners = given.maxRunners;
          if (path === "prewarm_max_idle") next.prewarmMaxIdle = given.prewarmMaxIdle;
          if (path === "image") next.image = given.image;
          if (path === "cpu") next.cpu = given.cpu;
          if (path === "memory") next.memory = given.memory;
          if (path === "registry_credential_id") {
            next.registryCredentialId = given.registryCredentialId;
          }
        }
        if (next.maxRunners < 1 || next.minIdle < 0 || next.minIdle > next.maxRunners) {
          throw new ConnectError("min_idle: 0 up to max_runners", Code.InvalidArgument);
        }
        Object.assign(runner, next, { updateTime: timestampFromMs(clock()) });
        state.updates.push({ runnerId: runner.id, updateMask: [...req.updateMask] });
        return { runner: withFleet(runner, state.jobs) };
      },
      createRunner: (req, ctx) => {
        authorize(ctx, req.workspaceId, "edit");
        if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(req.name)) {
          throw new ConnectError("name: lowercase letters, digits and '-'", Code.InvalidArgument);
        }
        if (state.runners.some((r) => r.workspaceId === req.workspaceId && r.name === req.name)) {
          throw new ConnectError(`a runner named ${req.name} exists`, Code.AlreadyExists);
        }
        const offering =
          req.spec.case === "runnerOfferingId"
            ? state.offerings.find((o) => o.id === req.spec.value && !o.retired)
            : undefined;
        if (req.spec.case === "runnerOfferingId" && offering === undefined) {
          throw new ConnectError("offering not found", Code.InvalidArgument);
        }
        const custom = req.spec.case === "custom" ? req.spec.value : undefined;
        const runner = create(RunnerSchema, {
          id: `rn-${state.nextId()}`,
          name: req.name,
          workspaceId: req.workspaceId,
          projectId: `${req.workspaceId}-default`,
          namespace: `hangar-${req.workspaceId.replace("ws-", "")}`,
          runnerOfferingId: offering?.id ?? "",
          isCustom: custom !== undefined,
          image: custom?.image ?? "",
          cpu: custom?.cpu ?? offering?.cpu ?? "",
          memory: custom?.memory ?? offering?.memory ?? "",
          registryCredentialId: custom?.registryCredentialId ?? "",
          labels: req.labels,
          repositories: req.repositories,
          minIdle: req.minIdle ?? 0,
          maxRunners: req.maxRunners ?? 10,
          ...(req.prewarmMaxIdle === undefined ? {} : { prewarmMaxIdle: req.prewarmMaxIdle }),
          installationId: 4242n,
          status: "active",
          createTime: timestampFromMs(clock()),
          updateTime: timestampFromMs(clock()),
        });
        state.runners.push(runner);
        return { runner };
      },
      suspendRunner: (req, ctx) => ({
        runner: setStatus(runnerFor(ctx, req.id, "edit"), "suspended", "suspended through the API"),
      }),
      resumeRunner: (req, ctx) => ({ runner: setStatus(runnerFor(ctx, req.id, "edit"), "active") }),
      deleteRunner: (req, ctx) => ({
        runner: setStatus(runnerFor(ctx, req.id, "edit"), "deleting"),
      }),
      getRunnerMetrics: (req, ctx) => {
        authorize(ctx, req.workspaceId, "read");
        const end = ms(req.endTime) ?? clock();
        const start = ms(req.startTime) ?? end - 7 * 86_400_000;
        const done = state.jobs.filter(
          (j) =>
            j.workspaceId === req.workspaceId &&
            (req.runnerId === "" || j.runnerId === req.runnerId) &&
            (req.repository === "" || j.repository === req.repository) &&
            j.completeMs !== undefined &&
            j.completeMs >= start &&
            j.completeMs < end,
        );
        const count = (c: string): bigint => BigInt(done.filter((j) => j.conclusion === c).length);
        const failed = BigInt(
          done.filter((j) => j.conclusion === "failure" || j.conclusion === "timed_out").length,
        );
        const queue = done.map((j) => (j.startMs ?? 0) - j.createMs);
        const run = done.map((j) => (j.completeMs ?? 0) - (j.startMs ?? 0));
        const d = (v: number | undefined) => (v === undefined ? undefined : durationFromMs(v));
        return {
          startTime: timestampFromMs(start),
          endTime: timestampFromMs(end),
          totalJobs: BigInt(done.length),
          succeededJobs: count("success"),
          failedJobs: failed,
          cancelledJobs: count("cancelled"),
          failureRate: done.length === 0 ? 0 : Number(failed) / done.length,
          queueTimeP50: d(percentile(queue, 0.5)),
          queueTimeP90: d(percentile(queue, 0.9)),
          runTimeP50: d(percentile(run, 0.5)),
          runTimeP90: d(percentile(run, 0.9)),
        };
      },
    });

    router.service(UsageService, {
      getUsage: (req, ctx) => {
        authorize(ctx, req.workspaceId, "read");
        return usageStatement(state, req.workspaceId, usagePeriod(req.month, clock()));
      },
      // The ledger row by row is for admins (authz usage.export); the statement for all.
      exportUsage: async function* (req, ctx) {
        authorize(ctx, req.workspaceId, "admin");
        const csv = usageCsv(state, req.workspaceId, usagePeriod(req.month, clock()), req.kind);
        const bytes = new TextEncoder().encode(csv);
        // Chunked as the API streams it, so clients must concatenate.
        for (let at = 0; at < bytes.length; at += 512) {
          yield { data: bytes.subarray(at, at + 512) };
          await Promise.resolve();
        }
      },
    });

    router.service(JobService, {
      listJobs: (req, ctx) => {
        authorize(ctx, req.workspaceId, "read");
        const from = ms(req.startTime);
        const until = ms(req.endTime);
        const all = state.jobs
          .filter(
            (j) =>
              j.workspaceId === req.workspaceId &&
              (req.repository === "" || j.repository === req.repository) &&
              (req.runnerId === "" || j.runnerId === req.runnerId) &&
              (req.status === "" || j.status === req.status) &&
              (req.conclusion === "" || j.conclusion === req.conclusion) &&
              (from === undefined || j.createMs >= from) &&
              (until === undefined || j.createMs < until),
          )
          .sort((a, b) => b.createMs - a.createMs);
        const { items, next } = page(all, req.pageSize, req.pageToken);
        return { jobs: items.map(toJob), nextPageToken: next };
      },
      getJob: (req, ctx) => {
        const job = state.jobs.find((j) => j.id === req.id);
        if (job === undefined || !caller(ctx).has(job.workspaceId)) {
          throw new ConnectError(`job ${req.id} not found`, Code.NotFound);
        }
        const entry = (at: number | undefined, kind: string, detail = "") =>
          at === undefined
            ? []
            : [create(JobTimelineEntrySchema, { time: timestampFromMs(at), kind, detail })];
        const timeline = [
          ...entry(job.createMs, "queued", `runs-on: ${job.labels.join(", ")}`),
          ...entry(
            job.createMs + 300,
            "runner_requested",
            job.runnerId === "" ? "" : `pool of ${job.runnerId}`,
          ),
          ...entry(job.readyMs, "runner_ready", job.runnerName),
          ...entry(job.startMs, "in_progress", job.runnerName),
          ...entry(job.completeMs, "completed", job.conclusion),
        ];
        return { job: toJob(job), timeline };
      },
    });
  };
}
