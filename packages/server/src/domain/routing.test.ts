import { describe, expect, it } from "vitest";
import { classifyEvent, routeEvent, type RouteDecision } from "./routing.js";
import type {
  PushPayload,
  RepositoryRef,
  WebhookEvent,
  WorkflowJobPayload,
  WorkflowRunPayload,
} from "./webhook-events.js";

const repo: RepositoryRef = { id: 7, name: "app", full_name: "acme/app", private: true };
const ownerRepo = { id: 7, full_name: "acme/app", owner: { login: "acme" } };
const installation = {
  id: 42,
  account: { id: 9, login: "acme", type: "Organization" },
  repository_selection: "selected",
};

const job: WorkflowJobPayload = {
  workflow_job: {
    id: 1001,
    run_id: 500,
    run_attempt: 2,
    name: "build",
    workflow_name: "CI",
    head_branch: "main",
    head_sha: "abc",
    labels: ["self-hosted", "hangar-4cpu"],
    status: "queued",
    conclusion: null,
    created_at: "2026-01-01T00:00:00Z",
    started_at: null,
    completed_at: null,
    runner_id: null,
    runner_name: null,
    runner_group_id: null,
    runner_group_name: null,
  },
  repository: ownerRepo,
  installation: { id: 42 },
  has_deployment: true,
};

const run: WorkflowRunPayload = {
  workflow_run: {
    id: 500,
    run_attempt: 2,
    name: "CI",
    workflow_id: 3,
    event: "push",
    status: "completed",
    conclusion: "success",
    head_branch: "main",
    head_sha: "abc",
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:05:00Z",
    run_started_at: "2026-01-01T00:00:01Z",
  },
  repository: ownerRepo,
  installation: { id: 42 },
};

const push = (paths: Partial<PushPayload["commits"][number]>[]): PushPayload => ({
  ref: "refs/heads/main",
  after: "def",
  repository: ownerRepo,
  installation: { id: 42 },
  commits: paths.map((p) => ({ added: [], modified: [], removed: [], ...p })),
});

/** The one signal of a decision, as [workflowId, workflowType, signalName]. */
function target(decision: RouteDecision): [string, string, string] | string {
  if (decision.kind === "ignored") return `ignored: ${decision.reason}`;
  expect(decision.signals).toHaveLength(1);
  const [s] = decision.signals;
  return [s!.workflowId, s!.workflowType, s!.signalName];
}

describe("classifyEvent", () => {
  it.each([
    ["workflow_job", "queued", "handled"],
    ["workflow_job", "waiting", "handled"],
    ["workflow_job", "in_progress", "handled"],
    ["workflow_job", "completed", "handled"],
    [
      "workflow_job",
      "requested_more_coffee",
      "ignored: workflow_job.requested_more_coffee not handled",
    ],
    ["workflow_job", null, "ignored: workflow_job without an action"],
    ["installation", "created", "handled"],
    ["installation", "new_permissions_accepted", "handled"],
    ["installation_repositories", "added", "handled"],
    ["workflow_run", "requested", "handled"],
    ["push", null, "handled"],
    ["ping", null, "handled"],
    ["issues", "opened", "ignored: event issues not handled"],
    ["check_run", "created", "ignored: event check_run not handled"],
  ])("%s.%s → %s", (event, action, expected) => {
    const result = classifyEvent(event, action);
    expect(result.kind === "handled" ? "handled" : `ignored: ${result.reason}`).toBe(expected);
  });
});

describe("routeEvent", () => {
  const installationPayload = { installation, repositories: [repo] };
  const repositoriesPayload = {
    installation: { id: 42 },
    repository_selection: "selected",
    repositories_added: [repo],
    repositories_removed: [{ ...repo, id: 8, name: "old", full_name: "acme/old" }],
  };
  const cases: [string, WebhookEvent, [string, string, string] | string][] = [
    [
      "install",
      { event: "installation", action: "created", payload: installationPayload },
      ["installation-42", "installationWorkflow", "install"],
    ],
    [
      "uninstall",
      { event: "installation", action: "deleted", payload: installationPayload },
      ["installation-42", "installationWorkflow", "uninstall"],
    ],
    [
      "suspend",
      { event: "installation", action: "suspend", payload: installationPayload },
      ["installation-42", "installationWorkflow", "suspend"],
    ],
    [
      "unsuspend",
      { event: "installation", action: "unsuspend", payload: installationPayload },
      ["installation-42", "installationWorkflow", "unsuspend"],
    ],
    [
      "permissions",
      { event: "installation", action: "new_permissions_accepted", payload: installationPayload },
      ["installation-42", "installationWorkflow", "permissionsAccepted"],
    ],
    [
      "repos added",
      { event: "installation_repositories", action: "added", payload: repositoriesPayload },
      ["installation-42", "installationWorkflow", "addRepositories"],
    ],
    [
      "repos removed",
      { event: "installation_repositories", action: "removed", payload: repositoriesPayload },
      ["installation-42", "installationWorkflow", "removeRepositories"],
    ],
    [
      "job queued",
      { event: "workflow_job", action: "queued", payload: job },
      ["job-1001", "jobWorkflow", "jobEvent"],
    ],
    [
      "job completed",
      { event: "workflow_job", action: "completed", payload: job },
      ["job-1001", "jobWorkflow", "jobEvent"],
    ],
    [
      "run",
      { event: "workflow_run", action: "completed", payload: run },
      ["run-500-2", "runWorkflow", "runEvent"],
    ],
    [
      "push to workflows",
      { event: "push", action: null, payload: push([{ modified: [".github/workflows/ci.yml"] }]) },
      ["workflow-files-7", "workflowFilesWorkflow", "push"],
    ],
    [
      "push elsewhere",
      {
        event: "push",
        action: null,
        payload: push([{ modified: ["src/a.ts", ".github/CODEOWNERS"] }]),
      },
      "ignored: push changes no workflow files",
    ],
    [
      "push, no commits",
      { event: "push", action: null, payload: push([]) },
      "ignored: push changes no workflow files",
    ],
    ["ping", { event: "ping", action: null, payload: null }, "ignored: ping"],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(target(routeEvent(input))).toEqual(expected);
  });

  it('reads runner_id 0 and runner_name "" as no runner (they decide billing)', () => {
    const noRunner: WorkflowJobPayload = {
      ...job,
      workflow_job: { ...job.workflow_job, runner_id: 0, runner_name: "" },
    };
    const decision = routeEvent({ event: "workflow_job", action: "queued", payload: noRunner });
    expect(decision.kind === "signal" && decision.signals[0]?.args).toMatchObject({
      runnerId: null,
      runnerName: null,
    });
  });

  it("gives a job workflow the narrowed job, with JSON numbers for ids", () => {
    const decision = routeEvent({ event: "workflow_job", action: "waiting", payload: job });
    expect(decision.kind === "signal" && decision.signals[0]?.args).toEqual({
      action: "waiting",
      id: 1001,
      runId: 500,
      runAttempt: 2,
      name: "build",
      workflowName: "CI",
      headBranch: "main",
      headSha: "abc",
      labels: ["self-hosted", "hangar-4cpu"],
      status: "queued",
      conclusion: null,
      createdAt: "2026-01-01T00:00:00Z",
      startedAt: null,
      completedAt: null,
      runnerId: null,
      runnerName: null,
      runnerGroupId: null,
      runnerGroupName: null,
      repository: { id: 7, fullName: "acme/app", ownerLogin: "acme" },
      installationId: 42,
      hasDeployment: true,
    });
  });

  it("lists installed and changed repositories with their ids, names and visibility", () => {
    const install = routeEvent({
      event: "installation",
      action: "created",
      payload: installationPayload,
    });
    expect(install.kind === "signal" && install.signals[0]?.args).toEqual({
      installationId: 42,
      account: { id: 9, login: "acme", type: "Organization" },
      repositorySelection: "selected",
      repositories: [{ id: 7, name: "app", fullName: "acme/app", private: true }],
    });
    const removed = routeEvent({
      event: "installation_repositories",
      action: "removed",
      payload: repositoriesPayload,
    });
    expect(removed.kind === "signal" && removed.signals[0]?.args).toEqual({
      installationId: 42,
      repositorySelection: "selected",
      repositories: [{ id: 8, name: "old", fullName: "acme/old", private: true }],
    });
  });

  it("collects the distinct workflow paths a push added, changed or removed", () => {
    const decision = routeEvent({
      event: "push",
      action: null,
      payload: push([
        { added: [".github/workflows/b.yml"], modified: ["README.md"] },
        { modified: [".github/workflows/a.yml"], removed: [".github/workflows/b.yml"] },
      ]),
    });
    expect(decision.kind === "signal" && decision.signals[0]?.args).toEqual({
      repository: { id: 7, fullName: "acme/app", ownerLogin: "acme" },
      installationId: 42,
      ref: "refs/heads/main",
      after: "def",
      changedPaths: [".github/workflows/a.yml", ".github/workflows/b.yml"],
    });
  });

  it("produces arguments that survive JSON unchanged", () => {
    const decision = routeEvent({ event: "workflow_run", action: "completed", payload: run });
    const args = decision.kind === "signal" ? decision.signals[0]?.args : undefined;
    expect(JSON.parse(JSON.stringify(args))).toEqual(args);
  });
});
