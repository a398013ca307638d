import { describe, expect, it } from "vitest";
import type { SimInstallation } from "../model.js";
import { schemaErrors } from "../testing/schema-check.js";
import {
  completedJob,
  installation,
  octocat,
  org,
  queuedJob,
  repo,
  run,
  runningJob,
} from "../testing/fixtures.js";
import { installationPayload, installationRepositoriesPayload } from "./installation.js";
import { pingPayload } from "./ping.js";
import { pushPayload } from "./push.js";
import { workflowJobPayload } from "./workflow-job.js";
import { workflowRunPayload } from "./workflow-run.js";

/** Fails with ajv's own messages, so a drifting field is named in the output. */
function expectValid(definition: string, payload: unknown) {
  expect(schemaErrors(definition, payload), `${definition} schema errors`).toEqual([]);
}

const sender = octocat;
const suspended: SimInstallation = {
  ...installation,
  suspendedAt: "2024-06-01T00:00:00Z",
  suspendedBy: octocat,
};
const other = { ...repo, id: 1296270, name: "other", fullName: "octo-org/other" };

describe("installation payloads match GitHub's schemas", () => {
  it.each([
    ["created", installation],
    ["deleted", installation],
    ["new_permissions_accepted", installation],
    ["suspend", suspended],
    ["unsuspend", installation],
  ] as const)("installation.%s", (action, inst) => {
    const payload = installationPayload(action, {
      installation: inst,
      repositories: [repo],
      sender,
    });
    expectValid(`installation$${action}`, payload);
    expect(payload.installation.id).toBe(42);
    expect(payload.repositories?.[0]?.full_name).toBe("octo-org/hello-world");
  });

  it("names who suspended the installation, and refuses a suspend without a time", () => {
    expect(
      installationPayload("suspend", { installation: suspended, sender }).installation,
    ).toMatchObject({ suspended_at: "2024-06-01T00:00:00Z", suspended_by: { login: "octocat" } });
    expect(() => installationPayload("suspend", { installation, sender })).toThrow(/suspendedAt/);
  });

  it.each(["added", "removed"] as const)("installation_repositories.%s", (action) => {
    const input =
      action === "added"
        ? { installation, added: [repo, other], removed: [], sender }
        : { installation, added: [], removed: [other], sender };
    const payload = installationRepositoriesPayload(action, input);
    expectValid(`installation_repositories$${action}`, payload);
    expect(payload.installation.id).toBe(42);
  });

  it("never mixes additions and removals in one event", () => {
    expect(() =>
      installationRepositoriesPayload("added", {
        installation,
        added: [repo],
        removed: [other],
        sender,
      }),
    ).toThrow(/other list/);
  });
});

describe("workflow_job payloads", () => {
  const input = { repository: repo, installation, sender };
  const deployment = { id: 5, environment: "production", createdAt: "2024-05-01T10:00:00Z" };

  it.each([
    ["queued", queuedJob],
    ["waiting", { ...queuedJob, status: "waiting" as const }],
    ["in_progress", runningJob],
    ["completed", completedJob],
  ] as const)("workflow_job.%s matches the schema", (action, job) => {
    const payload = workflowJobPayload(action, { ...input, job });
    expectValid(`workflow_job$${action}`, payload);
    expect(payload.installation?.id).toBe(42);
    expect(payload.organization?.login).toBe("octo-org");
    expect(payload.workflow_job.labels).toEqual(["hangar-4cpu"]);
    expect(payload.workflow_job.status).toBe(action);
  });

  it("validates with a deployment (a job waiting for an environment)", () => {
    const job = { ...queuedJob, status: "waiting" as const };
    const payload = workflowJobPayload("waiting", { ...input, job, deployment });
    expectValid("workflow_job$waiting", payload);
    expect(payload.deployment?.environment).toBe("production");
  });

  it.each(["queued", "waiting"] as const)(
    "%s: no runner, no conclusion, and started_at equal to created_at",
    (action) => {
      // Even a model that already picked a runner must not leak it before in_progress.
      const { workflow_job: wj } = workflowJobPayload(action, { ...input, job: runningJob });
      expect(wj).toMatchObject({
        runner_id: null,
        runner_name: null,
        runner_group_id: null,
        runner_group_name: null,
        conclusion: null,
        completed_at: null,
        started_at: runningJob.createdAt,
        created_at: runningJob.createdAt,
        steps: [],
      });
    },
  );

  it("in_progress names the runner; completed adds conclusion and completed_at", () => {
    const started = workflowJobPayload("in_progress", { ...input, job: completedJob });
    expect(started.workflow_job).toMatchObject({
      runner_id: 17,
      runner_name: "hangar-4cpu-abc12",
      runner_group_id: 1,
      runner_group_name: "Default",
      started_at: "2024-05-01T10:00:12Z",
      conclusion: null,
      completed_at: null,
    });
    const done = workflowJobPayload("completed", { ...input, job: completedJob });
    expect(done.workflow_job).toMatchObject({
      conclusion: "success",
      completed_at: "2024-05-01T10:03:00Z",
    });
    expect(done.workflow_job.run_url).toBe(
      "https://api.github.com/repos/octo-org/hello-world/actions/runs/29679449",
    );
  });

  it("reports a job cancelled before any runner took it with no runner", () => {
    const cancelled = {
      ...queuedJob,
      status: "completed" as const,
      conclusion: "cancelled" as const,
    };
    const payload = workflowJobPayload("completed", { ...input, job: cancelled });
    expectValid("workflow_job$completed", payload);
    expect(payload.workflow_job).toMatchObject({ runner_id: null, conclusion: "cancelled" });
  });

  it("keeps conclusions GitHub sends but the community schema lags on", () => {
    const timedOut = { ...completedJob, conclusion: "timed_out" as const };
    const payload = workflowJobPayload("completed", { ...input, job: timedOut });
    expect(payload.workflow_job.conclusion).toBe("timed_out");
    // If this starts passing, the schema caught up and the widened type can go.
    expect(schemaErrors("workflow_job$completed", payload).join("\n")).toMatch(/conclusion/);
    expect(() => workflowJobPayload("completed", { ...input, job: runningJob })).toThrow(
      /conclusion/,
    );
  });

  it("builds URLs from the simulator's own base URLs", () => {
    const urls = { webBaseUrl: "http://127.0.0.1:3000/", apiBaseUrl: "http://127.0.0.1:3000/api" };
    const { workflow_job: wj } = workflowJobPayload("queued", { ...input, job: queuedJob }, urls);
    expect(wj.url).toBe(
      "http://127.0.0.1:3000/api/repos/octo-org/hello-world/actions/jobs/399444496",
    );
    expect(wj.html_url).toBe(
      "http://127.0.0.1:3000/octo-org/hello-world/actions/runs/29679449/job/399444496",
    );
  });
});

describe("the schema check itself", () => {
  it("reports what is wrong with a payload that drifted", () => {
    const payload = workflowJobPayload("queued", {
      repository: repo,
      installation,
      sender,
      job: queuedJob,
    });
    const broken = { ...payload, workflow_job: { ...payload.workflow_job, runner_id: "17" } };
    const { id: _id, ...noId } = payload.workflow_job;
    expect(schemaErrors("workflow_job$queued", broken).join("\n")).toMatch(/runner_id/);
    expect(
      schemaErrors("workflow_job$queued", { ...payload, workflow_job: noId }).join("\n"),
    ).toMatch(/id/);
    expect(schemaErrors("workflow_job$queued", { ...payload, extra: 1 })).not.toEqual([]);
  });
});

describe("workflow_run, push and ping payloads", () => {
  const input = { repository: repo, installation, sender };

  it.each([
    ["requested", run],
    ["in_progress", { ...run, status: "in_progress" as const }],
    ["completed", { ...run, status: "completed" as const, conclusion: "failure" as const }],
  ] as const)("workflow_run.%s matches the schema", (action, r) => {
    const payload = workflowRunPayload(action, { ...input, run: r });
    expectValid(`workflow_run$${action}`, payload);
    expect(payload.installation?.id).toBe(42);
    expect(payload.workflow_run.display_title).toBe("Build on Hangar");
  });

  it("push matches the schema, with Unix-second repository times", () => {
    const payload = pushPayload({
      ...input,
      ref: "refs/heads/main",
      before: "a10867b14bb761a232cd80139fbd4c0d33264240",
      after: run.headSha,
      commits: [
        {
          id: run.headSha,
          message: "Use Hangar runners",
          timestamp: "2024-05-01T09:59:50Z",
          added: [],
          modified: [".github/workflows/ci.yml"],
          removed: [],
        },
      ],
      pusher: { name: "octocat", email: "octocat@github.com" },
    });
    expectValid("push$event", payload);
    expect(payload.installation?.id).toBe(42);
    expect(payload.repository.created_at).toBe(1704164645);
    expect(payload.head_commit?.modified).toEqual([".github/workflows/ci.yml"]);
    expect(payload).toMatchObject({ created: false, deleted: false });
  });

  it("push of a new branch and of a deletion", () => {
    const zero = "0".repeat(40);
    const base = {
      ...input,
      ref: "refs/heads/x",
      commits: [],
      pusher: { name: "o", email: "o@x" },
    };
    const created = pushPayload({ ...base, before: zero, after: run.headSha });
    const deleted = pushPayload({ ...base, before: run.headSha, after: zero });
    expectValid("push$event", created);
    expectValid("push$event", deleted);
    expect(created.created).toBe(true);
    expect(deleted).toMatchObject({ deleted: true, head_commit: null });
  });

  it("ping matches the schema and names the App", () => {
    const payload = pingPayload({ hookId: 12345, appId: 7 });
    expectValid("ping$event", payload);
    expect(payload.hook).toMatchObject({ type: "App", app_id: 7, id: 12345 });
  });

  it("user-owned repositories carry no organization", () => {
    const mine = { ...repo, owner: octocat, fullName: "octocat/hello-world" };
    const payload = workflowJobPayload("queued", { ...input, repository: mine, job: queuedJob });
    expectValid("workflow_job$queued", payload);
    expect(payload).not.toHaveProperty("organization");
    expect(org.type).toBe("Organization");
  });
});
