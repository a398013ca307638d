// How often the Temporal server turned work on one of the run's workflows away because
// that workflow was busy (ResourceExhausted, cause BusyWorkflow): requests it refused
// (signals, recording a child's end, …) and its own tasks it had to put off (starting a
// child, delivering a signal, …). Both are retried with a backoff, which is time a job
// waits. Read from the server's Prometheus endpoint, whose counters are per namespace
// (with "-" written "_"), so a run's own namespace holds only its own.

const COUNTERS = ["service_errors_resource_exhausted", "task_errors_throttled"];
const line = /^(\w+)\{([^}]*)\} ([\d.e+-]+)$/;

function label(labels: string, name: string): string | undefined {
  return new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1];
}

/**
 * Counts by operation; null when the server's metrics cannot be read. The server keeps
 * series for every namespace it has seen, deleted ones too, so the text runs to hundreds
 * of megabytes on a long-lived test server: it is read as a stream, looking only at lines
 * that name this namespace.
 */
export async function busyWorkflowThrottling(
  metricsUrl: string,
  namespace: string,
): Promise<Map<string, number> | null> {
  const needle = `namespace="${namespace.replaceAll("-", "_")}"`;
  const counts = new Map<string, number>();
  const take = (row: string) => {
    if (!row.includes(needle)) return;
    const match = line.exec(row);
    if (match === null) return;
    const [, metric = "", labels = "", value = "0"] = match;
    if (!COUNTERS.includes(metric)) return;
    if (label(labels, "resource_exhausted_cause") !== "BusyWorkflow") return;
    const operation = label(labels, "operation") ?? metric;
    counts.set(operation, (counts.get(operation) ?? 0) + Number(value));
  };
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(120_000) });
    if (!response.ok || response.body === null) return null;
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      const rows = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = rows.pop() ?? "";
      for (const row of rows) take(row);
    }
    take(partial + decoder.decode());
  } catch {
    return null;
  }
  return counts;
}
