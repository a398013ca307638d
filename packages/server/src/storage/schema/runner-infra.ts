import type { GeneratedAlways } from "kysely";
import type { CalendarDate, CreatedAt, Int8, Timestamp, UpdatedAt } from "./columns.js";

// What runner instances cost in cluster time, beside what was billed
// (0010_usage_rounding_infra.sql). Both tables are written by a trigger on
// runner_instances when an instance ends; queries only read them.

export interface RunnerInfraUsageTable {
  runner_instance_id: string;
  workspace_id: string;
  runner_id: string;
  offering_id: string | null;
  cpu_millis: number;
  memory_mib: number;
  github_job_id: Int8 | null;
  outcome: "terminated" | "failed";
  started_at: Timestamp;
  ended_at: Timestamp;
  boot_ms: Int8;
  idle_ms: Int8;
  busy_ms: Int8;
  created_at: CreatedAt;
}

export interface RunnerInfraDailyTable {
  id: GeneratedAlways<bigint>;
  workspace_id: string;
  day: CalendarDate;
  offering_id: string | null;
  instance_count: number;
  boot_ms: Int8;
  idle_ms: Int8;
  busy_ms: Int8;
  updated_at: UpdatedAt;
}
