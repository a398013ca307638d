// Bounded label values. Every series Prometheus stores costs memory on both sides, so a
// label whose values come from tenants (runner configurations, installations) admits at
// most `max` distinct values per process; the rest are folded into `other`. Admission is
// first come, for the life of the process, so a value never moves between its own series
// and `other` while the process runs (a series that flipped would break rate()).

export const OTHER = "other";

export interface LabelCap {
  /** The value itself while there is room or once admitted, `other` after that. */
  fold(value: string): string;
  /** Values admitted so far. */
  size(): number;
}

export function createLabelCap(max: number): LabelCap {
  const admitted = new Set<string>();
  return {
    fold(value) {
      if (admitted.has(value)) return value;
      if (admitted.size >= max) return OTHER;
      admitted.add(value);
      return value;
    },
    size: () => admitted.size,
  };
}

/** The labels of a runner configuration's series, ARC's `name` and `namespace` and ours. */
export interface RunnerLabels {
  /** The configuration's name (its runs-on label): ARC's scale set name. */
  readonly name: string;
  readonly namespace: string;
  /** The workspace's slug. */
  readonly workspace: string;
}

export const runnerLabelNames = ["name", "namespace", "workspace"] as const;

export const otherRunner: RunnerLabels = { name: OTHER, namespace: OTHER, workspace: OTHER };

/**
 * A configuration is one value of the cap: its three labels are folded together, so a
 * folded series never mixes one configuration's name with another's workspace.
 */
export function foldRunner(cap: LabelCap, labels: RunnerLabels): RunnerLabels {
  // Names are DNS labels and slugs have no slash, so the key is unambiguous.
  const key = `${labels.workspace}/${labels.name}/${labels.namespace}`;
  return cap.fold(key) === OTHER ? otherRunner : labels;
}

/** Sums rows whose folded labels coincide, for gauges computed from a table at scrape time. */
export function foldRows<T extends Record<string, number>>(
  cap: LabelCap,
  rows: readonly { labels: RunnerLabels; values: T }[],
): { labels: RunnerLabels; values: T }[] {
  const folded = new Map<string, { labels: RunnerLabels; values: T }>();
  for (const row of rows) {
    const labels = foldRunner(cap, row.labels);
    const key = `${labels.workspace}/${labels.name}/${labels.namespace}`;
    const existing = folded.get(key);
    if (existing === undefined) {
      folded.set(key, { labels, values: { ...row.values } });
      continue;
    }
    const sums: Record<string, number> = { ...existing.values };
    for (const [field, value] of Object.entries(row.values))
      sums[field] = (sums[field] ?? 0) + value;
    existing.values = sums as T;
  }
  return [...folded.values()];
}
