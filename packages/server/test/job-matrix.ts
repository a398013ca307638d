import type { QueuedRun, Simulator } from "@hangar/github-sim";

// Test-only: one workflow run of many jobs on the simulated GitHub, with a mix of
// outcomes: every seventh job fails, a few are cancelled before any runner takes them.

export interface JobMatrix {
  run: QueuedRun;
  /** GitHub's job ids, in queue order. */
  jobIds: number[];
  /** How many jobs will run (and be billed): all but those cancelled before start. */
  billable: number;
}

export async function queueJobMatrix(
  sim: Simulator,
  input: {
    repository: string;
    label: string;
    jobs: number;
    /** Indexes of jobs cancelled at once, while no runner exists to start them. */
    cancelledBeforeStart: readonly number[];
  },
): Promise<JobMatrix> {
  const run = await sim.control.queueWorkflowRun({
    repository: input.repository,
    // At least 1 s of run time, so second-precision timestamps always differ.
    jobs: Array.from({ length: input.jobs }, (_, i) => ({
      name: `job-${i}`,
      labels: [input.label],
      durationMs: 1_000 + (i % 5) * 100,
      conclusion: i % 7 === 0 ? ("failure" as const) : ("success" as const),
    })),
  });
  for (const i of input.cancelledBeforeStart) {
    const jobId = run.jobIds[i];
    if (jobId === undefined) throw new Error(`no job ${i} in a matrix of ${input.jobs}`);
    await sim.control.cancelJob(jobId);
  }
  return {
    run,
    jobIds: run.jobIds,
    billable: input.jobs - new Set(input.cancelledBeforeStart).size,
  };
}
