import { GitHubConflictError, GitHubRunnerBusyError, GitHubValidationError } from "../errors.js";
import type { HangarOctokit } from "../request-pipeline.js";
import type { GenerateJitConfigInput, JitConfigResult, Runner, RunnerScope } from "../types.js";
import { deleteRunner, listRunners, mapRunner } from "./runners.js";

// Just-in-time runner registration. Runner names are deterministic in Hangar
// (one per runner instance), so a 409 "already exists" usually means our own
// earlier attempt succeeded — an activity retried after a timeout — and the
// caller decides whether to take that runner over or start afresh.

const MAX_LABELS = 100;

function validate(input: GenerateJitConfigInput): void {
  const problems: string[] = [];
  if (input.name.trim() === "") problems.push("name must not be empty");
  if (input.labels.length < 1 || input.labels.length > MAX_LABELS) {
    problems.push(`labels must number 1–${MAX_LABELS}, got ${input.labels.length}`);
  }
  if (input.labels.some((label) => label.trim() === "")) problems.push("labels must not be empty");
  if (problems.length > 0) {
    throw new GitHubValidationError(`invalid JIT runner "${input.name}": ${problems.join("; ")}`);
  }
}

async function register(
  octokit: HangarOctokit,
  input: GenerateJitConfigInput,
  runnerGroupId: number,
): Promise<JitConfigResult> {
  const body = {
    name: input.name,
    runner_group_id: runnerGroupId,
    labels: [...input.labels],
    ...(input.workFolder === undefined ? {} : { work_folder: input.workFolder }),
  };
  const { data } =
    "org" in input.scope
      ? await octokit.request("POST /orgs/{org}/actions/runners/generate-jitconfig", {
          org: input.scope.org,
          ...body,
        })
      : await octokit.request("POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig", {
          owner: input.scope.owner,
          repo: input.scope.repo,
          ...body,
        });
  return {
    runner: mapRunner(data.runner),
    encodedJitConfig: data.encoded_jit_config,
    adopted: false,
  };
}

async function findByName(
  octokit: HangarOctokit,
  scope: RunnerScope,
  name: string,
): Promise<Runner | undefined> {
  const runners = await listRunners(octokit, scope, { name });
  return runners.find((runner) => runner.name === name);
}

export async function generateJitConfig(
  octokit: HangarOctokit,
  input: GenerateJitConfigInput,
  resolveGroup: (org: string, name: string) => Promise<number>,
): Promise<JitConfigResult> {
  validate(input);
  const group = input.runnerGroup;
  // Repository runners use the groups of the owning organisation.
  const org = "org" in input.scope ? input.scope.org : input.scope.owner;
  const runnerGroupId = "id" in group ? group.id : await resolveGroup(org, group.name);

  try {
    return await register(octokit, input, runnerGroupId);
  } catch (error) {
    if (!(error instanceof GitHubConflictError)) throw error;
    const existing = await findByName(octokit, input.scope, input.name);
    // Gone again between the 409 and our look: a plain retry will do.
    if (existing === undefined) return await register(octokit, input, runnerGroupId);
    if (input.onConflict === "adopt") return { runner: existing, adopted: true };
    const deleted = await deleteRunner(octokit, input.scope, existing.id);
    if (deleted.kind === "busy") {
      throw new GitHubRunnerBusyError(
        `runner "${input.name}" exists and is busy; cannot replace it yet`,
        existing.id,
      );
    }
    // Only once: a second 409 means someone else keeps registering this name.
    return await register(octokit, input, runnerGroupId);
  }
}
