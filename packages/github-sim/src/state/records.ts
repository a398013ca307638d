import type {
  SimAccount,
  SimInstallation,
  SimJob,
  SimRepository,
  SimRun,
  SimRunner,
} from "../webhooks/model.js";

// The simulator's records are W's plain model plus what only the simulator
// needs to know (scope, timers, scripted outcomes). Payload builders take the
// records as they are, because each extends its model type.

export interface FileBlob {
  sha: string;
  content: string;
}

export interface CommitRecord {
  sha: string;
  parent: string | null;
  message: string;
  timestamp: string;
  /** The whole tree at this commit: path → blob. */
  tree: Map<string, FileBlob>;
}

export interface RepositoryRecord extends SimRepository {
  installationId: number | null;
  branches: Map<string, string>;
  commits: Map<string, CommitRecord>;
}

export interface InstallationRecord extends SimInstallation {
  repositoryIds: number[];
}

/** Which repositories of the org a runner group's runners may serve. */
export type RunnerGroupVisibility = "all" | "selected" | "private";

export interface RunnerGroupRecord {
  id: number;
  name: string;
  orgLogin: string;
  isDefault: boolean;
  visibility: RunnerGroupVisibility;
  /** Used only while visibility is `selected`; GitHub keeps the list when it changes. */
  selectedRepositoryIds: number[];
  allowsPublicRepositories: boolean;
}

/** Org runners are shared by the org's repositories; repo runners serve one repository. */
export type RunnerScope = { kind: "org"; owner: string } | { kind: "repo"; repositoryId: number };

export interface RunnerRecord extends SimRunner {
  scope: RunnerScope;
  ownerLogin: string;
  /** The random secret inside the JIT config; proves a pod holds this runner's config. */
  jitSecret: string;
  /** A test switch: the runner accepts jobs but never starts them. */
  held: boolean;
  /** Set by the Kubernetes runner side, so completion can make the pod exit. */
  pod: { namespace: string; podName: string } | null;
  assignedJobId: number | null;
  createdAtMs: number;
}

export interface JobRecord extends SimJob {
  repositoryId: number;
  installationId: number;
  environment: string | null;
  deploymentId: number | null;
  durationMs: number;
  scriptedConclusion: "success" | "failure" | "cancelled";
  queuedAtMs: number;
  /** The runner GitHub gave the job to; it must start within the assignment timeout. */
  assignedRunnerId: number | null;
  assignedAtMs: number | null;
  startedAtMs: number | null;
}

/** One job of a run as it was queued: what each attempt of the run makes its job from. */
export interface PlannedJob {
  name: string;
  labels: string[];
  /** Names of earlier jobs of the run that must succeed before this one is queued. */
  needs: string[];
  durationMs: number;
  scriptedConclusion: "success" | "failure" | "cancelled";
  environment: string | null;
}

export interface RunRecord extends SimRun {
  repositoryId: number;
  installationId: number;
  /** The jobs of the current attempt that exist so far (a job waiting on `needs` does not). */
  jobIds: number[];
  plan: PlannedJob[];
  /** The current attempt's job for each planned job, by plan index; null until created. */
  attemptJobs: (number | null)[];
  /** Jobs of earlier attempts, oldest first: GitHub keeps them, with their run_attempt. */
  previousJobIds: number[];
}

export type { SimAccount };
