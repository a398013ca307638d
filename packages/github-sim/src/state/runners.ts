import { randomBase62 } from "../prng.js";
import { SimInputError, type SimContext } from "./context.js";
import { createGroup } from "./runner-groups.js";
import type { RunnerRecord, RunnerScope } from "./records.js";

/** Labels every runner gets unless it registers without defaults (JIT always has them). */
export const DEFAULT_LABELS = ["self-hosted", "Linux", "X64"] as const;

export interface JitConfigDocument {
  runnerId: number;
  runnerName: string;
  labels: string[];
  owner: string;
  secret: string;
}

export function encodeJitConfig(doc: JitConfigDocument): string {
  return Buffer.from(JSON.stringify(doc), "utf8").toString("base64");
}

/** The document inside an encoded JIT config, or null when it is not one of ours. */
export function decodeJitConfig(encoded: string): JitConfigDocument | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded.trim(), "base64").toString("utf8"));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const doc = parsed as Record<string, unknown>;
  if (
    typeof doc.runnerId !== "number" ||
    typeof doc.runnerName !== "string" ||
    typeof doc.secret !== "string" ||
    typeof doc.owner !== "string" ||
    !Array.isArray(doc.labels)
  ) {
    return null;
  }
  return {
    runnerId: doc.runnerId,
    runnerName: doc.runnerName,
    owner: doc.owner,
    secret: doc.secret,
    labels: doc.labels.filter((l): l is string => typeof l === "string"),
  };
}

export function sameScope(a: RunnerScope, b: RunnerScope): boolean {
  if (a.kind === "org" && b.kind === "org") return a.owner.toLowerCase() === b.owner.toLowerCase();
  if (a.kind === "repo" && b.kind === "repo") return a.repositoryId === b.repositoryId;
  return false;
}

export function runnersIn(ctx: SimContext, scope: RunnerScope): RunnerRecord[] {
  return [...ctx.state.runners.values()].filter((r) => sameScope(r.scope, scope));
}

export interface RegisterInput {
  scope: RunnerScope;
  ownerLogin: string;
  name: string;
  runnerGroupId: number;
  labels: string[];
}

/** Registers a JIT runner: offline, idle and ephemeral until its process connects. */
export function registerJitRunner(
  ctx: SimContext,
  input: RegisterInput,
): { runner: RunnerRecord; encodedJitConfig: string } {
  const seen = new Set<string>();
  const labels: string[] = [];
  for (const label of [...DEFAULT_LABELS, ...input.labels]) {
    if (seen.has(label.toLowerCase())) continue;
    seen.add(label.toLowerCase());
    labels.push(label);
  }
  const runner: RunnerRecord = {
    id: ctx.state.nextId("runner"),
    name: input.name,
    os: "linux",
    labels,
    status: "offline",
    busy: false,
    ephemeral: true,
    runnerGroupId: input.runnerGroupId,
    scope: input.scope,
    ownerLogin: input.ownerLogin,
    jitSecret: randomBase62(40),
    held: false,
    pod: null,
    assignedJobId: null,
    createdAtMs: ctx.clock.now(),
  };
  ctx.state.runners.set(runner.id, runner);
  const encodedJitConfig = encodeJitConfig({
    runnerId: runner.id,
    runnerName: runner.name,
    labels,
    owner: input.ownerLogin,
    secret: runner.jitSecret,
  });
  return { runner, encodedJitConfig };
}

export function runnerNamed(ctx: SimContext, name: string): RunnerRecord {
  const runner = ctx.state.findRunnerByName(name);
  if (!runner) throw new SimInputError(404, `no runner named ${name}`);
  return runner;
}

/** The control API's shortcut: a group open to every repository, public ones too. */
export function createRunnerGroup(ctx: SimContext, org: string, name: string): { id: number } {
  const group = createGroup(ctx, org, { name, visibility: "all", allowsPublicRepositories: true });
  return { id: group.id };
}
