import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { JobTimelineEntrySchema, type JobTimelineEntry } from "@hangar/api/job_service_pb.js";
import type { Kysely } from "kysely";
import type { Database } from "../../storage/schema.js";
import type { JobRow } from "./rows.js";

// A job's life in order, from what was recorded: GitHub's timestamps on the job row, the
// runner instances started for it or that ran it, and a re-run after a lost runner.
// Nothing is inferred that was not recorded.

interface Entry {
  time: Date;
  kind: string;
  detail: string;
}

export async function jobTimeline(db: Kysely<Database>, job: JobRow): Promise<JobTimelineEntry[]> {
  const entries: Entry[] = [{ time: job.github_created_at, kind: "queued", detail: "" }];
  const instances = await db
    .selectFrom("runner_instances")
    .select([
      "name",
      "state",
      "failure_reason",
      "disruption",
      "created_at",
      "registered_at",
      "job_started_at",
      "terminated_at",
    ])
    .where("workspace_id", "=", job.workspace_id)
    .where((eb) =>
      job.runner_instance_id === null
        ? eb("github_job_id", "=", job.github_job_id)
        : eb.or([
            eb("github_job_id", "=", job.github_job_id),
            eb("id", "=", job.runner_instance_id),
          ]),
    )
    .execute();
  for (const instance of instances) {
    entries.push({ time: instance.created_at, kind: "runner_requested", detail: instance.name });
    if (instance.registered_at !== null) {
      entries.push({ time: instance.registered_at, kind: "runner_ready", detail: instance.name });
    }
    if (instance.terminated_at !== null) {
      const lost = instance.disruption !== null || instance.state === "failed";
      entries.push({
        time: instance.terminated_at,
        kind: lost ? "runner_lost" : "runner_removed",
        detail: [instance.name, instance.disruption ?? instance.failure_reason]
          .filter((part) => part !== null && part !== "")
          .join(": "),
      });
    }
  }
  if (job.github_started_at !== null) {
    entries.push({
      time: job.github_started_at,
      kind: "in_progress",
      detail: job.runner_name ?? "",
    });
  }
  if (job.github_completed_at !== null) {
    entries.push({
      time: job.github_completed_at,
      kind: "completed",
      detail: job.conclusion ?? "",
    });
  }
  if (job.rerun_state !== null && job.rerun_updated_at !== null) {
    entries.push({
      time: job.rerun_updated_at,
      kind: job.rerun_state === "requested" ? "rerun_requested" : `rerun_${job.rerun_state}`,
      detail: job.rerun_message ?? "",
    });
  }
  // Stable: equal times keep the order above, which is the order things happen in.
  entries.sort((a, b) => a.time.getTime() - b.time.getTime());
  return entries.map((entry) =>
    create(JobTimelineEntrySchema, {
      time: timestampFromDate(entry.time),
      kind: entry.kind,
      detail: entry.detail,
    }),
  );
}
