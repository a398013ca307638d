// The jobs a workflow file will ask runners for, by runs-on label set: what pre-warming
// sizes warm pools from. Pure, so it is tested as a table. Unlike workflow-labels.ts
// (which labels a repository uses at all), each job keeps its whole label set, GitHub's
// default labels included, because a runner must carry all of them to take the job.

/** How many jobs of a workflow file ask for one runs-on label set. */
export type WorkflowJobDemand = {
  /** Lowercased, distinct, sorted: GitHub compares labels case-insensitively. */
  labels: string[];
  jobs: number;
};

/** GitHub runs at most 256 jobs per matrix. */
const MAX_MATRIX_JOBS = 256;

type Combination = Record<string, unknown>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const hasExpression = (value: unknown): boolean =>
  typeof value === "string"
    ? value.includes("${{")
    : Array.isArray(value)
      ? value.some(hasExpression)
      : isRecord(value)
        ? Object.entries(value).some(([key, v]) => hasExpression(key) || hasExpression(v))
        : false;

/**
 * The literal labels of a job's runs-on: a string, a list, or `{ group, labels }`. Null
 * when they are not known before the job runs (an expression such as
 * `${{ matrix.os }}`), when it names a runner group other than the default one (Hangar's
 * runners join the default group), or when there is none (a reusable workflow call).
 */
function jobLabels(runsOn: unknown): string[] | null {
  let values: unknown = runsOn;
  if (isRecord(runsOn)) {
    const group = runsOn.group;
    if (group !== undefined && (typeof group !== "string" || group.toLowerCase() !== "default")) {
      return null;
    }
    values = runsOn.labels;
  }
  const list = typeof values === "string" ? [values] : Array.isArray(values) ? values : null;
  if (list === null || list.length === 0) return null;
  const labels = new Set<string>();
  for (const value of list) {
    if (typeof value !== "string" || value.includes("${{")) return null;
    const label = value.trim().toLowerCase();
    if (label === "") return null;
    labels.add(label);
  }
  return [...labels].sort();
}

const matches = (combination: Combination, partial: Combination, keys: Iterable<string>) => {
  for (const key of keys) {
    if (key in partial && JSON.stringify(partial[key]) !== JSON.stringify(combination[key])) {
      return false;
    }
  }
  return true;
};

/**
 * How many jobs a literal matrix expands to, as GitHub expands it: the product of its
 * list-valued keys, less the combinations an `exclude` entry matches, plus each
 * `include` entry that cannot extend any combination without overwriting one of the
 * matrix's own values. Null when any part is an expression (its size is known at run
 * time only).
 */
export function matrixSize(matrix: unknown): number | null {
  if (matrix === undefined || matrix === null) return 1;
  if (!isRecord(matrix) || hasExpression(matrix)) return null;
  let combinations: Combination[] = [{}];
  const keys: string[] = [];
  for (const [key, values] of Object.entries(matrix)) {
    if (key === "include" || key === "exclude") continue;
    if (!Array.isArray(values)) return null;
    keys.push(key);
    combinations = combinations.flatMap((combination) =>
      values.map((value: unknown) => ({ ...combination, [key]: value })),
    );
    if (combinations.length > MAX_MATRIX_JOBS * 16) return MAX_MATRIX_JOBS;
  }
  const exclude = matrix.exclude;
  if (exclude !== undefined) {
    if (!Array.isArray(exclude)) return null;
    for (const entry of exclude) {
      if (!isRecord(entry)) return null;
      combinations = combinations.filter((c) => !matches(c, entry, Object.keys(entry)));
    }
  }
  // A matrix of include entries only has no combination of its own to extend.
  if (keys.length === 0) combinations = [];
  let count = combinations.length;
  const include = matrix.include;
  if (include !== undefined) {
    if (!Array.isArray(include)) return null;
    for (const entry of include) {
      if (!isRecord(entry)) return null;
      const own = Object.keys(entry).filter((key) => keys.includes(key));
      if (!combinations.some((c) => matches(c, entry, own))) count += 1;
    }
  } else if (keys.length === 0) {
    return 1;
  }
  return Math.min(count, MAX_MATRIX_JOBS);
}

/**
 * How many of a job's runners run at once: its matrix size, or `max-parallel` when that
 * is smaller. A job whose matrix is only known at run time counts once.
 */
function concurrentJobs(strategy: unknown): number {
  if (!isRecord(strategy)) return 1;
  const size = matrixSize(strategy.matrix) ?? 1;
  const maxParallel = strategy["max-parallel"];
  return typeof maxParallel === "number" && Number.isInteger(maxParallel) && maxParallel > 0
    ? Math.min(size, maxParallel)
    : size;
}

/** The jobs of one parsed workflow file, grouped by label set (sorted by labels). */
export function workflowJobDemand(workflow: unknown): WorkflowJobDemand[] {
  if (!isRecord(workflow) || !isRecord(workflow.jobs)) return [];
  const demands: WorkflowJobDemand[] = [];
  for (const job of Object.values(workflow.jobs)) {
    if (!isRecord(job)) continue;
    const labels = jobLabels(job["runs-on"]);
    if (labels === null) continue;
    const jobs = concurrentJobs(job.strategy);
    if (jobs > 0) demands.push({ labels, jobs });
  }
  return mergeJobDemand([demands]);
}

/** Several files' (or repositories') demands as one, label sets merged. */
export function mergeJobDemand(
  lists: readonly (readonly WorkflowJobDemand[])[],
): WorkflowJobDemand[] {
  const merged = new Map<string, WorkflowJobDemand>();
  for (const list of lists) {
    for (const { labels, jobs } of list) {
      const key = labels.join("\n");
      const known = merged.get(key);
      merged.set(key, { labels: [...labels], jobs: (known?.jobs ?? 0) + jobs });
    }
  }
  return [...merged.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, demand]) => demand);
}

/** Reads a stored `repositories.workflow_jobs` value, keeping only well-formed entries. */
export function parseJobDemand(value: unknown): WorkflowJobDemand[] {
  if (!Array.isArray(value)) return [];
  const demands: WorkflowJobDemand[] = [];
  for (const entry of value) {
    if (!isRecord(entry)) continue;
    const { labels, jobs } = entry;
    if (!Array.isArray(labels) || !labels.every((l): l is string => typeof l === "string")) {
      continue;
    }
    if (typeof jobs !== "number" || !Number.isInteger(jobs) || jobs < 1) continue;
    demands.push({ labels, jobs });
  }
  return demands;
}
