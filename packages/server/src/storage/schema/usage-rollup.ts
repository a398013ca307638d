import type { CalendarDate, Int8, Numeric } from "./columns.js";

// Usage events whose contribution is not yet in usage_daily (0013_usage_rollup.sql, keyed by job since 0014).
// A trigger on usage_events queues every new event here; storage/usage-rollup.ts moves
// them into the daily totals and is the only code that deletes from it.

export interface UsageRollupPendingTable {
  /** The usage event (its job) this row stands for. */
  github_job_id: Int8;
  workspace_id: string;
  day: CalendarDate;
  offering_id: string | null;
  currency: string;
  minutes: number;
  seconds: number;
  amount: Numeric;
}
