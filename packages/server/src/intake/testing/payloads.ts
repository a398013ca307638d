import { randomUUID } from "node:crypto";
import { signBody } from "../signature.js";

// Hand-written GitHub webhook payloads for tests and the benchmark: the fields GitHub
// sends (URLs included, so the size is realistic), not only the ones Hangar reads.

export interface JobPayloadInput {
  action: "queued" | "waiting" | "in_progress" | "completed";
  jobId: number;
  runId?: number;
  installationId?: number;
  labels?: string[];
  repositoryId?: number;
  /** Steps to include (in_progress/completed); each adds ~300 bytes. */
  steps?: number;
}

const api = "https://api.github.com";
const web = "https://github.com";

export function repositoryPayload(id: number, owner = "acme", name = "widgets") {
  const fullName = `${owner}/${name}`;
  const urls = Object.fromEntries(
    ["branches", "commits", "contents", "deployments", "events", "issues", "pulls", "releases"].map(
      (k) => [`${k}_url`, `${api}/repos/${fullName}/${k}{/id}`],
    ),
  );
  return {
    id,
    node_id: `R_kgDO${id}`,
    name,
    full_name: fullName,
    private: true,
    owner: accountPayload(4242, owner),
    html_url: `${web}/${fullName}`,
    description: "Widgets, built on Hangar runners",
    fork: false,
    url: `${api}/repos/${fullName}`,
    ...urls,
    created_at: "2024-01-10T09:00:00Z",
    updated_at: "2026-01-10T09:00:00Z",
    pushed_at: "2026-01-10T09:00:00Z",
    default_branch: "main",
    visibility: "private",
  };
}

export function accountPayload(id: number, login: string) {
  return {
    login,
    id,
    node_id: `O_kgDO${id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    url: `${api}/users/${login}`,
    html_url: `${web}/${login}`,
    repos_url: `${api}/users/${login}/repos`,
    type: "Organization",
    site_admin: false,
  };
}

export function workflowJobPayload(input: JobPayloadInput) {
  const runId = input.runId ?? 9_000_000 + input.jobId;
  const repositoryId = input.repositoryId ?? 700;
  const repository = repositoryPayload(repositoryId);
  const started = input.action === "in_progress" || input.action === "completed";
  const steps = Array.from({ length: started ? (input.steps ?? 3) : 0 }, (_, i) => ({
    name: i === 0 ? "Set up job" : `Run step ${i}`,
    status: input.action === "completed" ? "completed" : i === 0 ? "in_progress" : "queued",
    conclusion: input.action === "completed" ? "success" : null,
    number: i + 1,
    started_at: "2026-02-01T10:00:05Z",
    completed_at: input.action === "completed" ? "2026-02-01T10:03:00Z" : null,
  }));
  return {
    action: input.action,
    workflow_job: {
      id: input.jobId,
      run_id: runId,
      workflow_name: "CI",
      head_branch: "main",
      run_url: `${api}/repos/${repository.full_name}/actions/runs/${runId}`,
      run_attempt: 1,
      node_id: `CR_kwDO${input.jobId}`,
      head_sha: "3f786850e387550fdab836ed7e6dc881de23001b",
      url: `${api}/repos/${repository.full_name}/actions/jobs/${input.jobId}`,
      html_url: `${web}/${repository.full_name}/actions/runs/${runId}/job/${input.jobId}`,
      status: input.action,
      conclusion: input.action === "completed" ? "success" : null,
      created_at: "2026-02-01T10:00:00Z",
      started_at: "2026-02-01T10:00:04Z",
      completed_at: input.action === "completed" ? "2026-02-01T10:03:00Z" : null,
      name: "build (ubuntu, 20)",
      steps,
      check_run_url: `${api}/repos/${repository.full_name}/check-runs/${input.jobId}`,
      labels: input.labels ?? ["hangar-4cpu"],
      runner_id: started ? 55 : null,
      runner_name: started ? "hangar-4cpu-abcde" : null,
      runner_group_id: started ? 1 : null,
      runner_group_name: started ? "Default" : null,
    },
    repository,
    organization: accountPayload(4242, "acme"),
    installation: { id: input.installationId ?? 101, node_id: "MDIzOkludGVncmF0aW9u" },
    sender: accountPayload(17, "octocat"),
  };
}

export interface SignedDelivery {
  headers: Record<string, string>;
  body: Buffer;
}

/** A delivery as GitHub sends it: JSON bytes, signed, with the X-GitHub-* headers. */
export function signedDelivery(input: {
  secret: string;
  event: string;
  body: unknown;
  guid?: string;
  headers?: Record<string, string>;
}): SignedDelivery {
  const body = Buffer.isBuffer(input.body)
    ? input.body
    : Buffer.from(typeof input.body === "string" ? input.body : JSON.stringify(input.body));
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/abc1234",
      "x-github-event": input.event,
      "x-github-delivery": input.guid ?? randomUUID(),
      "x-github-hook-id": "12345678",
      "x-github-hook-installation-target-type": "integration",
      "x-github-hook-installation-target-id": "98765",
      "x-hub-signature-256": signBody(input.secret, body),
      ...input.headers,
    },
  };
}
