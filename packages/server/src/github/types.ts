// Hangar's own view of GitHub: small, stable types that the rest of Hangar
// depends on instead of Octokit's generated response shapes. Timestamps are
// ISO strings, not Dates, because these values cross Temporal activity
// boundaries as JSON and a Date would silently arrive as a string.

/**
 * The logging surface the client needs. A pino logger (observability/logger.ts)
 * satisfies it, which a test checks, so main/ can pass a child logger as is.
 */
export interface LoggerLike {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface GitHubLimits {
  /** GitHub's secondary limit allows 100 concurrent requests per App. */
  readonly maxInFlight: number;
  /** Secondary limit: points per endpoint (method + route template) per window. */
  readonly pointsPerMinute: number;
  /** The budget's window; GitHub counts per minute. */
  readonly windowMs: number;
  /**
   * Extra time a spent point stays counted. A request is charged when it
   * leaves here but GitHub counts it when it arrives, so without a margin a
   * point freed at exactly 60 s can still be in GitHub's window.
   */
  readonly windowMarginMs: number;
  /** Refresh installation tokens this long before GitHub says they expire. */
  readonly tokenRefreshMarginMs: number;
  /** Rate-limited responses retried at most this often before GitHubRateLimitedError. */
  readonly rateLimitRetries: number;
  /** Wait when a 403/429 says neither retry-after nor a reset (GitHub: "at least a minute"). */
  readonly rateLimitFallbackWaitMs: number;
  /**
   * The longest a call waits out a rate limit before it fails with
   * GitHubRateLimitedError instead; a Temporal activity would rather sleep
   * durably in its workflow than hold a worker slot for an hour.
   */
  readonly maxRateLimitWaitMs: number;
  /** Idempotent requests (GET, PUT, DELETE, …) retried this often on 5xx/network errors. */
  readonly serverErrorRetries: number;
  /** First backoff after a 5xx; doubles per attempt. */
  readonly serverErrorBackoffMs: number;
  /** How long a resolved runner group id is trusted. */
  readonly runnerGroupCacheMs: number;
}

export interface RateLimitState {
  readonly limit: number;
  readonly remaining: number;
  /** Epoch milliseconds. */
  readonly resetAt: number;
  readonly resource: string;
}

export interface RateLimitSnapshot {
  readonly installations: Record<number, RateLimitState>;
  /** Requests authenticated as the App itself (JWT) have their own quota. */
  readonly app: RateLimitState | null;
  readonly endpoints: Record<string, { pointsUsed: number; pointsRemaining: number }>;
  readonly inFlight: number;
  /** Requests waiting for endpoint budget, a concurrency slot or a rate-limit reset. */
  readonly waiting: number;
}

export interface Installation {
  readonly id: number;
  readonly account: { readonly id: number; readonly login: string; readonly type: string } | null;
  readonly repositorySelection: "all" | "selected";
  readonly suspendedAt: string | null;
  readonly permissions: Record<string, string>;
  readonly events: readonly string[];
}

export interface Repository {
  readonly id: number;
  readonly name: string;
  readonly fullName: string;
  readonly owner: string;
  readonly private: boolean;
  readonly archived: boolean;
  readonly defaultBranch: string;
}

export interface HookDelivery {
  readonly id: number;
  readonly guid: string;
  readonly event: string;
  readonly action: string | null;
  readonly status: string;
  readonly statusCode: number;
  readonly deliveredAt: string;
  readonly redelivery: boolean;
  readonly installationId: number | null;
  readonly repositoryId: number | null;
}

export interface DeliveryPage {
  readonly deliveries: readonly HookDelivery[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}

export type RunnerScope =
  { readonly org: string } | { readonly owner: string; readonly repo: string };

export interface Runner {
  readonly id: number;
  readonly name: string;
  readonly labels: readonly string[];
  /** "online" or "offline". */
  readonly status: string;
  readonly busy: boolean;
}

export interface GenerateJitConfigInput {
  readonly scope: RunnerScope;
  readonly name: string;
  readonly runnerGroup: { readonly id: number } | { readonly name: string };
  /** 1–100 labels, as GitHub requires. */
  readonly labels: readonly string[];
  readonly workFolder?: string;
  /**
   * What to do when a runner with this name exists already (a retried
   * activity, or a duplicate delivery): take it over without a new config, or
   * delete it (when idle) and register afresh.
   */
  readonly onConflict: "adopt" | "replace";
}

export interface JitConfigResult {
  readonly runner: Runner;
  /** The runner's whole credential: pass it to the pod's Secret, never log it. */
  readonly encodedJitConfig?: string;
  readonly adopted: boolean;
}

export type DeleteRunnerResult =
  | { readonly kind: "deleted" }
  | { readonly kind: "not-found" }
  /** GitHub keeps a lost runner busy for 10–15 minutes: retry later. */
  | { readonly kind: "busy" };

export interface RunnerGroup {
  readonly id: number;
  readonly name: string;
  /** "all", "selected" or "private". */
  readonly visibility: string;
  readonly isDefault: boolean;
  readonly allowsPublicRepositories: boolean;
}

export type DeleteRunnerGroupResult =
  | { readonly kind: "deleted" }
  | { readonly kind: "not-found" }
  /** Runners are still in it; deleting it would move them to the Default group. */
  | { readonly kind: "occupied"; readonly runners: number };

export interface WorkflowJob {
  readonly id: number;
  readonly runId: number;
  readonly runAttempt: number;
  readonly name: string;
  readonly workflowName: string | null;
  readonly status: string;
  readonly conclusion: string | null;
  readonly labels: readonly string[];
  readonly headSha: string;
  readonly headBranch: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  readonly runnerId: number | null;
  readonly runnerName: string | null;
  readonly runnerGroupId: number | null;
}

/** The latest attempt of a workflow run, as much as re-running a job needs. */
export interface WorkflowRunSummary {
  readonly id: number;
  readonly runAttempt: number;
  /** "queued", "in_progress", "completed", … */
  readonly status: string | null;
  readonly conclusion: string | null;
}

export type RerunJobResult =
  | { readonly kind: "rerun" }
  /** GitHub re-runs jobs of completed runs only: try again once the run has completed. */
  | { readonly kind: "run-in-progress" }
  /** GitHub will not re-run it; `message` says why. */
  | { readonly kind: "refused"; readonly message: string };

export interface WorkflowFile {
  /** Repository path, e.g. `.github/workflows/ci.yml`. */
  readonly path: string;
  readonly content: string;
}

/** Calls made as one installation (with its installation access token). */
export interface GitHubInstallation {
  readonly installationId: number;
  listRepositories(): Promise<Repository[]>;
  getRunnerGroupId(org: string, name: string): Promise<number>;
  listRunnerGroups(org: string): Promise<RunnerGroup[]>;
  listRunnerGroupRepositoryIds(org: string, groupId: number): Promise<number[]>;
  /** Creates or corrects the group so it admits exactly these repositories; its id. */
  ensureRunnerGroup(
    org: string,
    group: { name: string; repositoryIds: readonly number[] },
  ): Promise<number>;
  /**
   * Corrects an existing group so it admits exactly these repositories; its id and the
   * number of changes made, or null when there is no such group.
   */
  reconcileRunnerGroup(
    org: string,
    group: { name: string; repositoryIds: readonly number[] },
  ): Promise<{ id: number; changes: number } | null>;
  /** Deletes the group unless runners are still in it. */
  deleteRunnerGroup(org: string, name: string): Promise<DeleteRunnerGroupResult>;
  generateJitConfig(input: GenerateJitConfigInput): Promise<JitConfigResult>;
  listRunners(scope: RunnerScope, options?: { name?: string }): Promise<Runner[]>;
  getRunner(scope: RunnerScope, runnerId: number): Promise<Runner>;
  deleteRunner(scope: RunnerScope, runnerId: number): Promise<DeleteRunnerResult>;
  getJob(owner: string, repo: string, jobId: number): Promise<WorkflowJob>;
  listRunJobs(
    owner: string,
    repo: string,
    runId: number,
    options?: { attempt?: number },
  ): Promise<WorkflowJob[]>;
  readWorkflowFiles(owner: string, repo: string, ref: string): Promise<WorkflowFile[]>;
  getRun(owner: string, repo: string, runId: number): Promise<WorkflowRunSummary>;
  /** Re-runs a job and the jobs that depend on it as a new attempt of its completed run. */
  rerunJob(
    owner: string,
    repo: string,
    jobId: number,
    options?: { enableDebugLogging?: boolean },
  ): Promise<RerunJobResult>;
}

export interface InstallationOptions {
  /** Overrides limits.maxRateLimitWaitMs; 0 = fail at once with GitHubRateLimitedError. */
  readonly maxRateLimitWaitMs?: number;
}

/** Calls made as the App itself (with its JWT). */
export interface GitHubApp {
  getInstallation(installationId: number): Promise<Installation>;
  listInstallations(): Promise<Installation[]>;
  listDeliveries(options?: { perPage?: number; cursor?: string }): Promise<DeliveryPage>;
  allDeliveries(options?: { perPage?: number }): AsyncIterable<HookDelivery>;
  redeliver(deliveryId: number): Promise<void>;
  installation(installationId: number, options?: InstallationOptions): GitHubInstallation;
  rateLimitSnapshot(): RateLimitSnapshot;
}
