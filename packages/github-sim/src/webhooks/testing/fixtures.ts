// Test fixtures: one organization with one repository, installed once.
import type {
  SimAccount,
  SimInstallation,
  SimJob,
  SimRepository,
  SimRun,
  SimRunner,
} from "../model.js";

export const org: SimAccount = { login: "octo-org", id: 9001, type: "Organization" };
export const octocat: SimAccount = { login: "octocat", id: 583231, type: "User" };

export const repo: SimRepository = {
  id: 1296269,
  name: "hello-world",
  fullName: "octo-org/hello-world",
  owner: org,
  private: true,
  defaultBranch: "main",
  createdAt: "2024-01-02T03:04:05Z",
  updatedAt: "2024-02-03T04:05:06Z",
  pushedAt: "2024-03-04T05:06:07Z",
};

export const installation: SimInstallation = {
  id: 42,
  account: org,
  appId: 7,
  appSlug: "hangar",
  repositorySelection: "selected",
  suspendedAt: null,
  createdAt: "2024-01-01T00:00:00Z",
  updatedAt: "2024-01-01T00:00:00Z",
};

export const queuedJob: SimJob = {
  id: 399444496,
  runId: 29679449,
  runAttempt: 1,
  name: "build",
  workflowName: "CI",
  headBranch: "main",
  headSha: "f83a356604ae3c5d03e1b46ef4d1ca77d64a90b0",
  labels: ["hangar-4cpu"],
  status: "queued",
  conclusion: null,
  createdAt: "2024-05-01T10:00:00Z",
  startedAt: null,
  completedAt: null,
  runnerId: null,
  runnerName: null,
  runnerGroupId: null,
  runnerGroupName: null,
  steps: [],
};

export const runningJob: SimJob = {
  ...queuedJob,
  status: "in_progress",
  startedAt: "2024-05-01T10:00:12Z",
  runnerId: 17,
  runnerName: "hangar-4cpu-abc12",
  runnerGroupId: 1,
  runnerGroupName: "Default",
  steps: [
    {
      name: "Set up job",
      number: 1,
      status: "completed",
      conclusion: "success",
      startedAt: "2024-05-01T10:00:12Z",
      completedAt: "2024-05-01T10:00:14Z",
    },
    {
      name: "Build",
      number: 2,
      status: "in_progress",
      conclusion: null,
      startedAt: "2024-05-01T10:00:14Z",
      completedAt: null,
    },
    {
      name: "Post",
      number: 3,
      status: "queued",
      conclusion: null,
      startedAt: null,
      completedAt: null,
    },
  ],
};

export const completedJob: SimJob = {
  ...runningJob,
  status: "completed",
  conclusion: "success",
  completedAt: "2024-05-01T10:03:00Z",
  steps: runningJob.steps.map((s) => ({
    ...s,
    status: "completed",
    conclusion: "success",
    startedAt: s.startedAt ?? "2024-05-01T10:02:59Z",
    completedAt: s.completedAt ?? "2024-05-01T10:03:00Z",
  })),
};

export const run: SimRun = {
  id: 29679449,
  runAttempt: 1,
  runNumber: 12,
  name: "CI",
  workflowId: 161335,
  workflowPath: ".github/workflows/ci.yml",
  headBranch: "main",
  headSha: queuedJob.headSha,
  event: "push",
  status: "requested",
  conclusion: null,
  createdAt: "2024-05-01T09:59:58Z",
  updatedAt: "2024-05-01T09:59:58Z",
  runStartedAt: "2024-05-01T09:59:58Z",
  headCommitMessage: "Build on Hangar\n\nSigned-off-by: octocat",
};

export const runner: SimRunner = {
  id: 17,
  name: "hangar-4cpu-abc12",
  os: "linux",
  labels: ["self-hosted", "Linux", "X64", "hangar-4cpu"],
  status: "online",
  busy: true,
  ephemeral: true,
  runnerGroupId: 1,
};
