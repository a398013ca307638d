import { proxyActivities } from "@temporalio/workflow";
import type { SelfCheckActivities, SelfCheckResult } from "../activities/self-check.js";

const { checkDatabase, describeWorker } = proxyActivities<SelfCheckActivities>({
  startToCloseTimeout: "30 seconds",
  retry: { maximumAttempts: 3, initialInterval: "1 second" },
});

/** Runs the self-check activities and reports what the worker saw. */
export async function selfCheckWorkflow(): Promise<SelfCheckResult> {
  const [database, workerIdentity] = await Promise.all([checkDatabase(), describeWorker()]);
  return { ...database, workerIdentity };
}
