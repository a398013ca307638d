// The `runs-on` labels a workflow file asks for: what "labels found in workflow
// files" means for a repository. Pure, so it is tested as a table.

/** Labels GitHub adds to every self-hosted runner; they say nothing about which runner. */
const genericLabels = new Set(["self-hosted", "linux", "x64", "arm64", "macos", "windows"]);

function asLabels(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/**
 * Every literal label under `jobs.<id>.runs-on`, lowercased, deduplicated and
 * sorted. `runs-on` may be a string, a list, or `{ group, labels }`; values
 * built from expressions (`${{ matrix.os }}`) are unknown until run time and
 * skipped, as are GitHub's generic self-hosted labels.
 */
export function runsOnLabels(workflow: unknown): string[] {
  if (typeof workflow !== "object" || workflow === null) return [];
  const jobs: unknown = (workflow as { jobs?: unknown }).jobs;
  if (typeof jobs !== "object" || jobs === null) return [];
  const labels = new Set<string>();
  for (const job of Object.values(jobs)) {
    if (typeof job !== "object" || job === null) continue;
    const runsOn: unknown = (job as { "runs-on"?: unknown })["runs-on"];
    const values =
      typeof runsOn === "object" && runsOn !== null && !Array.isArray(runsOn)
        ? asLabels((runsOn as { labels?: unknown }).labels)
        : asLabels(runsOn);
    for (const value of values) {
      const label = value.trim().toLowerCase();
      if (label && !label.includes("${{") && !genericLabels.has(label)) labels.add(label);
    }
  }
  return [...labels].sort();
}
