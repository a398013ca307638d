// Which runner configuration a job's runs-on labels ask for. GitHub gives a job to a
// runner that has all of its labels (case-insensitively), and adds its default labels
// to every self-hosted runner, so only the other labels pick a configuration.

const defaultLabels = new Set([
  "self-hosted",
  "linux",
  "windows",
  "macos",
  "x64",
  "x86",
  "arm",
  "arm64",
]);

/** The labels that pick a configuration: lowercased, distinct, defaults removed. */
export function significantJobLabels(labels: readonly string[]): string[] {
  return [...new Set(labels.map((l) => l.toLowerCase()))].filter((l) => !defaultLabels.has(l));
}

export interface RunnerLabelSet {
  id: string;
  name: string;
  labels: readonly string[];
}

/**
 * The configuration whose name and labels cover every significant label of the job, or
 * undefined (a GitHub-hosted job, or one no configuration serves). A job with only
 * default labels is nobody's. When several match, the one with the fewest labels wins
 * (the most specific fit), then the name, so the answer never depends on row order.
 */
export function matchRunnerConfiguration<T extends RunnerLabelSet>(
  labels: readonly string[],
  configurations: readonly T[],
): T | undefined {
  const wanted = significantJobLabels(labels);
  if (wanted.length === 0) return undefined;
  const fits = configurations.filter((c) => {
    const offered = new Set([c.name, ...c.labels].map((l) => l.toLowerCase()));
    return wanted.every((l) => offered.has(l));
  });
  fits.sort((a, b) => a.labels.length - b.labels.length || a.name.localeCompare(b.name));
  return fits[0];
}

/**
 * Whether a configuration limited to some repositories ("owner/name", compared as
 * GitHub does, without case) serves one; an empty list serves them all.
 */
export function allowsRepository(allowed: readonly string[], fullName: string): boolean {
  if (allowed.length === 0) return true;
  const wanted = fullName.toLowerCase();
  return allowed.some((name) => name.toLowerCase() === wanted);
}
