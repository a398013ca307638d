import { condition, defineSignal, proxyActivities, setHandler } from "@temporalio/workflow";
import type { RunEventArgs } from "../domain/signal-args.js";
import { runSignals } from "../domain/workflow-names.js";
import type { RunActivities } from "../activities/runs.js";

// One workflow per run attempt. Events are applied in arrival order; the activity's
// updated_at guard drops older ones. It ends once the run is completed, after a grace
// period that absorbs late duplicates.

export const runEventSignal = defineSignal<[RunEventArgs]>(runSignals.runEvent);

const { recordRunEvent } = proxyActivities<RunActivities>({
  startToCloseTimeout: "30 seconds",
  retry: { initialInterval: "1 second", maximumInterval: "1 minute" },
});

/** How long late duplicates are absorbed after completion. */
const completedGraceMs = 60_000;

export async function runWorkflow(): Promise<{ events: number; outcome: string }> {
  const inbox: RunEventArgs[] = [];
  setHandler(runEventSignal, (event) => {
    inbox.push(event);
  });
  let events = 0;
  let completed = false;
  while (!completed) {
    await condition(() => inbox.length > 0);
    const event = inbox.shift();
    if (event === undefined) continue;
    events += 1;
    const result = await recordRunEvent(event);
    if (result === "unknown-installation") return { events, outcome: result };
    // A stale completed event still means the run is done (a newer one was stored).
    completed = event.action === "completed" || event.status === "completed";
  }
  while (await condition(() => inbox.length > 0, completedGraceMs)) {
    events += inbox.splice(0).length;
  }
  return { events, outcome: "completed" };
}
