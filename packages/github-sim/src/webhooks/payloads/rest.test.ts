import { describe, expect, it } from "vitest";
import {
  completedJob,
  installation,
  queuedJob,
  repo,
  runner,
  runningJob,
} from "../testing/fixtures.js";
import { restInstallation, restRepository, restRunner, restWorkflowJob } from "./rest.js";

describe("REST bodies", () => {
  it("GET /repos/{o}/{r}/actions/jobs/{id} for a queued job: no runner, started_at = created_at", () => {
    expect(restWorkflowJob(queuedJob, repo)).toMatchObject({
      id: 399444496,
      run_id: 29679449,
      run_attempt: 1,
      status: "queued",
      conclusion: null,
      created_at: queuedJob.createdAt,
      started_at: queuedJob.createdAt,
      completed_at: null,
      runner_id: null,
      runner_name: null,
      runner_group_id: null,
      runner_group_name: null,
      labels: ["hangar-4cpu"],
      workflow_name: "CI",
      head_branch: "main",
      run_url: "https://api.github.com/repos/octo-org/hello-world/actions/runs/29679449",
      check_run_url: "https://api.github.com/repos/octo-org/hello-world/check-runs/399444496",
      steps: [],
    });
  });

  it("a running and a completed job", () => {
    expect(restWorkflowJob(runningJob, repo)).toMatchObject({
      status: "in_progress",
      runner_name: "hangar-4cpu-abc12",
      conclusion: null,
    });
    const done = restWorkflowJob(completedJob, repo);
    expect(done).toMatchObject({ status: "completed", conclusion: "success" });
    expect(done.steps?.map((s) => s.status)).toEqual(["completed", "completed", "completed"]);
  });

  it("runner labels: defaults are read-only, the rest custom, ids stable per name", () => {
    const body = restRunner(runner);
    expect(body).toMatchObject({
      id: 17,
      os: "linux",
      status: "online",
      busy: true,
      ephemeral: true,
    });
    expect(body.labels.map((l) => [l.name, l.type])).toEqual([
      ["self-hosted", "read-only"],
      ["Linux", "read-only"],
      ["X64", "read-only"],
      ["hangar-4cpu", "custom"],
    ]);
    const again = restRunner({ ...runner, id: 18, labels: ["linux", "hangar-4cpu"] });
    expect(again.labels.map((l) => l.id)).toEqual([body.labels[1]?.id, body.labels[3]?.id]);
    expect(new Set(body.labels.map((l) => l.id)).size).toBe(4);
  });

  it("installation and repository bodies", () => {
    expect(restInstallation(installation)).toMatchObject({
      id: 42,
      app_id: 7,
      app_slug: "hangar",
      target_type: "Organization",
      account: { login: "octo-org" },
      permissions: { organization_self_hosted_runners: "write", actions: "write" },
      suspended_at: null,
    });
    expect(restRepository(repo)).toMatchObject({
      id: 1296269,
      full_name: "octo-org/hello-world",
      private: true,
      visibility: "private",
      created_at: "2024-01-02T03:04:05Z",
      owner: { login: "octo-org", type: "Organization" },
    });
  });
});
