import { ApplicationFailure, Context } from "@temporalio/activity";
import { GitHubError } from "../github/errors.js";

// Small helpers for long-running activities: heartbeats (how Temporal notices a worker
// that died mid-activity, and how cancellation reaches the activity) and failures
// marked non-retryable when trying again cannot help.

/** The activity's context; undefined when the function is called directly (tests, scripts). */
export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Heartbeats every `everyMs` while `work` runs, e.g. a GitHub call waiting for budget. */
export async function withHeartbeats<T>(work: () => Promise<T>, everyMs = 5_000): Promise<T> {
  const context = activityContext();
  if (context === undefined) return work();
  context.heartbeat();
  const timer = setInterval(() => {
    context.heartbeat();
  }, everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Waits `ms`, heartbeating first; rejects with CancelledFailure when the activity is cancelled. */
export async function pause(ms: number): Promise<void> {
  const context = activityContext();
  if (context === undefined) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return;
  }
  context.heartbeat();
  await context.sleep(ms);
}

/**
 * A GitHub error that says retrying cannot help (not found, bad credentials, invalid
 * input) becomes a non-retryable failure, so the workflow hears of it at once.
 */
export function asActivityError(error: unknown): unknown {
  if (error instanceof GitHubError && !error.retryable) {
    return ApplicationFailure.create({
      message: error.message,
      type: error.name,
      nonRetryable: true,
      cause: error,
    });
  }
  return error;
}
