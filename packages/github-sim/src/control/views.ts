import type { DeliverySender } from "../delivery/sender.js";
import type { SimContext } from "../state/context.js";
import type { DeliveryView, InstallationView, JobView, RunnerView } from "./types.js";

// Plain, JSON-safe copies of the records, so assertions in-process and over
// HTTP see the same shapes and cannot mutate the simulator's state.

export function runnerViews(ctx: SimContext, owner: string): RunnerView[] {
  const [login = "", repoName] = owner.split("/");
  const repo = repoName === undefined ? undefined : ctx.state.findRepository(owner);
  return [...ctx.state.runners.values()]
    .filter((r) =>
      repo
        ? r.scope.kind === "repo" && r.scope.repositoryId === repo.id
        : r.ownerLogin.toLowerCase() === login.toLowerCase(),
    )
    .sort((a, b) => a.id - b.id)
    .map((r) => ({
      id: r.id,
      name: r.name,
      os: r.os,
      labels: [...r.labels],
      status: r.status,
      busy: r.busy,
      ephemeral: r.ephemeral,
      runnerGroupId: r.runnerGroupId,
      scope: r.scope.kind,
      owner: r.ownerLogin,
      repository:
        r.scope.kind === "repo"
          ? (ctx.state.repositories.get(r.scope.repositoryId)?.fullName ?? null)
          : null,
      held: r.held,
      pod: r.pod ? { ...r.pod } : null,
    }));
}

export function jobViews(ctx: SimContext): JobView[] {
  return ctx.state.jobsInOrder().map((j) => ({
    id: j.id,
    runId: j.runId,
    runAttempt: j.runAttempt,
    name: j.name,
    workflowName: j.workflowName,
    headBranch: j.headBranch,
    headSha: j.headSha,
    labels: [...j.labels],
    status: j.status,
    conclusion: j.conclusion,
    createdAt: j.createdAt,
    startedAt: j.startedAt,
    completedAt: j.completedAt,
    runnerId: j.runnerId,
    runnerName: j.runnerName,
    runnerGroupId: j.runnerGroupId,
    runnerGroupName: j.runnerGroupName,
    steps: j.steps.map((s) => ({ ...s })),
    repository: ctx.state.repositories.get(j.repositoryId)?.fullName ?? "",
    installationId: j.installationId,
    environment: j.environment,
  }));
}

export function installationViews(ctx: SimContext): InstallationView[] {
  return [...ctx.state.installations.values()].map((i) => ({
    id: i.id,
    account: { ...i.account },
    appId: i.appId,
    appSlug: i.appSlug,
    repositorySelection: i.repositorySelection,
    suspendedAt: i.suspendedAt,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    repositories: ctx.state
      .installationRepositories(i)
      .map((r) => ({ id: r.id, fullName: r.fullName })),
  }));
}

export function deliveryViews(deliveries: DeliverySender): DeliveryView[] {
  return deliveries.list().map((d) => ({
    id: d.id,
    guid: d.guid,
    event: d.event,
    action: d.action,
    status: d.status,
    statusCode: d.statusCode,
    redelivery: d.redelivery,
    deliveredAt: d.deliveredAt,
    durationMs: d.durationMs,
    installationId: d.installationId,
  }));
}
