import {
  ActivityFailure,
  condition,
  defineSignal,
  log,
  patched,
  proxyActivities,
  setHandler,
} from "@temporalio/workflow";
import type { RunnerSideActivities } from "../activities/runner-side.js";
import type { WorkflowFileActivities } from "../activities/workflow-files.js";
import type { WorkflowFilesPushArgs } from "../domain/signal-args.js";
import { workflowFilesSignals } from "../domain/workflow-names.js";

// One workflow per repository while its workflow files change. Pushes that
// arrive while a scan runs are coalesced: only the newest commit is scanned
// next, since it already contains the earlier changes. After each scan the
// installation's pre-warming pools are told to size themselves again.

/** Marks runs that tell the runner pools about each scan; earlier runs replay without. */
export const TELL_POOLS_AFTER_SCAN = "tell-pools-after-scan";

export const pushSignal = defineSignal<[WorkflowFilesPushArgs]>(workflowFilesSignals.push);

const { scanWorkflowFiles } = proxyActivities<WorkflowFileActivities>({
  startToCloseTimeout: "1 minute",
  retry: { initialInterval: "2 seconds", maximumInterval: "1 minute", maximumAttempts: 10 },
});

// Pools also look again on their own timer: a failed notice delays pre-warming a little.
const { signalWorkflowFilesChanged } = proxyActivities<RunnerSideActivities>({
  startToCloseTimeout: "30 seconds",
  retry: { initialInterval: "2 seconds", maximumAttempts: 3 },
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
      if (patched(TELL_POOLS_AFTER_SCAN)) await tellPools(push.installationId);
    }
  } while (await condition(() => latest !== undefined, idleMs));
  return { scans, labels };
}

async function tellPools(installationId: number): Promise<void> {
  try {
    await signalWorkflowFilesChanged(installationId);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn("could not tell the runner pools about changed workflow files", {
      installationId,
      error: error.message,
    });
  }
}
