import { condition, defineSignal, proxyActivities, setHandler } from "@temporalio/workflow";
import type { WorkflowFileActivities } from "../activities/workflow-files.js";
import type { WorkflowFilesPushArgs } from "../domain/signal-args.js";
import { workflowFilesSignals } from "../domain/workflow-names.js";

// One workflow per repository while its workflow files change. Pushes that
// arrive while a scan runs are coalesced: only the newest commit is scanned
// next, since it already contains the earlier changes.

export const pushSignal = defineSignal<[WorkflowFilesPushArgs]>(workflowFilesSignals.push);

const { scanWorkflowFiles } = proxyActivities<WorkflowFileActivities>({
  startToCloseTimeout: "1 minute",
  retry: { initialInterval: "2 seconds", maximumInterval: "1 minute", maximumAttempts: 10 },
});

/** Quiet time after the last push before the workflow ends. */
const idleMs = 60_000;

export async function workflowFilesWorkflow(): Promise<{ scans: number; labels: string[] }> {
  let latest: WorkflowFilesPushArgs | undefined;
  setHandler(pushSignal, (push) => {
    latest = push;
  });
  let scans = 0;
  let labels: string[] = [];
  await condition(() => latest !== undefined);
  do {
    const push = latest;
    latest = undefined;
    if (push !== undefined) {
      labels = (await scanWorkflowFiles(push)).labels;
      scans += 1;
    }
  } while (await condition(() => latest !== undefined, idleMs));
  return { scans, labels };
}
