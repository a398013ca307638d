import { createServer } from "node:http";
import type { Simulator } from "@hangar/github-sim";
import { sql, type Kysely } from "kysely";
import type { Database } from "../storage/schema.js";

// GitHub never hands out a job or run id twice, and Hangar relies on it: a job event
// with a recorded id is a late duplicate. The simulator counts afresh on every start,
// while the database and Temporal keep what earlier `npm start`s recorded, so the
// demo's jobs would be taken for duplicates of the previous start's and dropped. Before
// the demo queues them, the simulator is moved past the ids recorded for its
// installation: throwaway runs are queued and cancelled while its webhooks go to a
// sink that accepts and discards them (accepted, they are never redelivered).

/** A label no runner has, so the simulator assigns the throwaway jobs to nobody. */
const SKIP_LABEL = "hangar-demo-skipped-id";
/** The simulator's (and GitHub's) limit of jobs per run. */
const MAX_JOBS_PER_RUN = 256;
/** Beyond this the ids did not come from earlier demos; they are left to collide. */
const MAX_IDS_SKIPPED = 100_000;

export interface SkippedIds {
  jobs: number;
  runs: number;
  /** False when the recorded ids were too far ahead to skip: they may collide. */
  complete: boolean;
}

export async function skipRecordedIds(
  simulator: Simulator,
  db: Kysely<Database>,
  input: { installationId: number; repository: string; webhookUrl: string },
): Promise<SkippedIds> {
  const recorded = await recordedIds(db, input.installationId);
  const skipped: SkippedIds = { jobs: 0, runs: 0, complete: true };
  if (recorded.job === null && recorded.run === null) return skipped;
  const { control } = simulator;
  const sink = await startSink();
  try {
    await control.drainDeliveries();
    await control.setWebhookUrl(sink.url);
    // The next ids are learnt from the first throwaway run; null until then.
    let nextJob: bigint | null = null;
    let nextRun: bigint | null = null;
    for (;;) {
      const jobsLeft = nextJob === null ? 1n : (recorded.job ?? 0n) - nextJob + 1n;
      const runsLeft = nextRun === null ? 1n : (recorded.run ?? 0n) - nextRun + 1n;
      if (jobsLeft <= 0n && runsLeft <= 0n) break;
      if (jobsLeft > BigInt(MAX_IDS_SKIPPED) || runsLeft > BigInt(MAX_IDS_SKIPPED)) {
        skipped.complete = false;
        break;
      }
      // Every run takes a run id and at least one job id.
      const size = Math.min(MAX_JOBS_PER_RUN, Math.max(1, Number(jobsLeft)));
      const run = await control.queueWorkflowRun({
        repository: input.repository,
        workflowName: "skipped ids",
        jobs: Array.from({ length: size }, (_, i) => ({
          name: `skipped-${i}`,
          labels: [SKIP_LABEL],
        })),
      });
      await control.cancelRun(run.runId);
      skipped.runs += 1;
      skipped.jobs += run.jobIds.length;
      nextJob = BigInt(Math.max(...run.jobIds)) + 1n;
      nextRun = BigInt(run.runId) + 1n;
    }
    await control.drainDeliveries();
  } finally {
    await control.setWebhookUrl(input.webhookUrl);
    await sink.close();
  }
  return skipped;
}

async function recordedIds(
  db: Kysely<Database>,
  installationId: number,
): Promise<{ job: bigint | null; run: bigint | null }> {
  const jobs = await db
    .selectFrom("jobs")
    .select([
      sql<bigint | null>`max(github_job_id)`.as("job"),
      sql<bigint | null>`max(github_run_id)`.as("run"),
    ])
    .where("installation_id", "=", BigInt(installationId))
    .executeTakeFirstOrThrow();
  const runs = await db
    .selectFrom("workflow_runs")
    .select(sql<bigint | null>`max(github_run_id)`.as("run"))
    .where("installation_id", "=", BigInt(installationId))
    .executeTakeFirstOrThrow();
  const larger = (a: bigint | null, b: bigint | null) =>
    a === null ? b : b === null ? a : a > b ? a : b;
  return { job: jobs.job, run: larger(jobs.run, runs.run) };
}

async function startSink(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the sink has no port");
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
