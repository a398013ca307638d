import { createAppJwtSource } from "./auth/app-jwt.js";
import { createInstallationTokenCache } from "./auth/installation-tokens.js";
import { allDeliveries, listDeliveries, redeliver } from "./operations/deliveries.js";
import { getInstallation, listInstallations } from "./operations/app.js";
import { generateJitConfig } from "./operations/jit.js";
import { getJob, listRunJobs } from "./operations/jobs.js";
import { listRepositories } from "./operations/repositories.js";
import {
  createRunnerGroupCache,
  deleteRunner,
  getRunner,
  listRunners,
} from "./operations/runners.js";
import { getRun, rerunJob } from "./operations/reruns.js";
import {
  deleteRunnerGroup,
  ensureRunnerGroup,
  listRunnerGroupRepositoryIds,
  listRunnerGroups,
  reconcileRunnerGroup,
} from "./operations/runner-groups.js";
import { readWorkflowFiles } from "./operations/workflow-files.js";
import { createSemaphore } from "./rate-limit/concurrency.js";
import { createEndpointBudget } from "./rate-limit/endpoint-budget.js";
import { createEndpointKeys } from "./rate-limit/endpoint-keys.js";
import { createRateLimitTracker } from "./rate-limit/tracker.js";
import { createOctokit, type Credential, type Pipeline } from "./request-pipeline.js";
import type { GitHubApp, GitHubInstallation, GitHubLimits, LoggerLike } from "./types.js";

// The composition of the GitHub client: one App, one shared pipeline (budget,
// concurrency, quotas, clocks) under every Octokit instance it hands out.

export const defaultGitHubLimits: GitHubLimits = {
  maxInFlight: 100,
  pointsPerMinute: 900,
  windowMs: 60_000,
  windowMarginMs: 1_000,
  tokenRefreshMarginMs: 5 * 60_000,
  rateLimitRetries: 3,
  rateLimitFallbackWaitMs: 60_000,
  maxRateLimitWaitMs: 3 * 60_000,
  serverErrorRetries: 2,
  serverErrorBackoffMs: 1_000,
  runnerGroupCacheMs: 10 * 60_000,
};

export interface GitHubAppOptions {
  /** `https://api.github.com`, `https://HOST/api/v3` (GHES) or the simulator's URL. */
  readonly apiUrl: string;
  readonly appId: number;
  readonly privateKeyPem: string;
  /** Epoch ms; every expiry and budget decision uses it. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly limits?: Partial<GitHubLimits>;
  readonly logger?: LoggerLike;
  readonly userAgent?: string;
}

const realSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

export function createGitHubApp(options: GitHubAppOptions): GitHubApp {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const limits: GitHubLimits = { ...defaultGitHubLimits, ...options.limits };
  const logger = options.logger;
  const apiUrl = options.apiUrl.replace(/\/+$/, "");
  const pipeline: Pipeline = {
    apiUrl,
    userAgent: options.userAgent ?? "hangar",
    limits,
    now,
    sleep,
    logger,
    budget: createEndpointBudget({
      pointsPerWindow: limits.pointsPerMinute,
      windowMs: limits.windowMs,
      marginMs: limits.windowMarginMs,
      now,
      sleep,
    }),
    semaphore: createSemaphore(limits.maxInFlight),
    tracker: createRateLimitTracker({ now }),
    endpointKeys: createEndpointKeys(apiUrl),
    blockedWaiting: 0,
  };

  const jwt = createAppJwtSource({
    appId: options.appId,
    privateKeyPem: options.privateKeyPem,
    now,
  });
  const appCredential = (): Credential => {
    const token = jwt.get();
    return {
      header: `Bearer ${token}`,
      refuse: () => {
        jwt.invalidate(token);
      },
    };
  };
  const appOctokit = createOctokit(
    pipeline,
    {
      scope: "app",
      // Signing is local and cheap, so an App JWT is always at hand.
      current: () => appCredential(),
      authorize: () => Promise.resolve(appCredential()),
    },
    { maxRateLimitWaitMs: limits.maxRateLimitWaitMs },
  );

  const tokens = createInstallationTokenCache({
    now,
    refreshMarginMs: limits.tokenRefreshMarginMs,
    ...(logger === undefined ? {} : { logger }),
    mint: async (installationId) => {
      const { data } = await appOctokit.request(
        "POST /app/installations/{installation_id}/access_tokens",
        { installation_id: installationId },
      );
      const expiresAt = Date.parse(data.expires_at);
      // GitHub documents one hour; assume less if it ever sends something unreadable.
      return {
        token: data.token,
        expiresAt: Number.isNaN(expiresAt) ? now() + 30 * 60_000 : expiresAt,
      };
    },
  });
  const runnerGroups = createRunnerGroupCache({ now, ttlMs: limits.runnerGroupCacheMs });

  const installationCredential = (installationId: number, token: string): Credential => ({
    header: `token ${token}`,
    refuse: () => {
      tokens.invalidate(installationId, token);
    },
  });

  function installation(
    installationId: number,
    installationOptions: { maxRateLimitWaitMs?: number } = {},
  ): GitHubInstallation {
    const octokit = createOctokit(
      pipeline,
      {
        scope: installationId,
        current: () => {
          const token = tokens.peek(installationId);
          return token === undefined ? undefined : installationCredential(installationId, token);
        },
        authorize: async () =>
          installationCredential(installationId, await tokens.get(installationId)),
      },
      { maxRateLimitWaitMs: installationOptions.maxRateLimitWaitMs ?? limits.maxRateLimitWaitMs },
    );
    const resolveGroup = (org: string, name: string) =>
      runnerGroups.resolve(octokit, installationId, org, name);
    return {
      installationId,
      listRepositories: () => listRepositories(octokit),
      getRunnerGroupId: resolveGroup,
      listRunnerGroups: (org) => listRunnerGroups(octokit, org),
      listRunnerGroupRepositoryIds: (org, groupId) =>
        listRunnerGroupRepositoryIds(octokit, org, groupId),
      ensureRunnerGroup: (org, group) => ensureRunnerGroup(octokit, org, group),
      reconcileRunnerGroup: (org, group) => reconcileRunnerGroup(octokit, org, group),
      deleteRunnerGroup: (org, name) => deleteRunnerGroup(octokit, org, name),
      generateJitConfig: (input) => generateJitConfig(octokit, input, resolveGroup),
      listRunners: (scope, listOptions) => listRunners(octokit, scope, listOptions),
      getRunner: (scope, runnerId) => getRunner(octokit, scope, runnerId),
      deleteRunner: (scope, runnerId) => deleteRunner(octokit, scope, runnerId),
      getJob: (owner, repo, jobId) => getJob(octokit, owner, repo, jobId),
      listRunJobs: (owner, repo, runId, jobOptions) =>
        listRunJobs(octokit, owner, repo, runId, jobOptions),
      readWorkflowFiles: (owner, repo, ref) => readWorkflowFiles(octokit, owner, repo, ref),
      getRun: (owner, repo, runId) => getRun(octokit, owner, repo, runId),
      rerunJob: (owner, repo, jobId, rerunOptions) =>
        rerunJob(octokit, owner, repo, jobId, rerunOptions),
    };
  }

  return {
    getInstallation: (installationId) => getInstallation(appOctokit, installationId),
    listInstallations: () => listInstallations(appOctokit),
    listDeliveries: (listOptions) => listDeliveries(appOctokit, listOptions),
    allDeliveries: (listOptions) => allDeliveries(appOctokit, listOptions),
    redeliver: (deliveryId) => redeliver(appOctokit, deliveryId),
    installation,
    rateLimitSnapshot: () => ({
      ...pipeline.tracker.snapshot(),
      endpoints: pipeline.budget.snapshot(),
      inFlight: pipeline.semaphore.inFlight(),
      waiting: pipeline.budget.waiting() + pipeline.semaphore.waiting() + pipeline.blockedWaiting,
    }),
  };
}
