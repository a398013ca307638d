import type { CalendarDate, Numeric } from "./columns.js";

// Usage events whose contribution is not yet in usage_daily (0013_usage_rollup.sql).
// A trigger on usage_events queues every new event here; storage/usage-rollup.ts moves
// them into the daily totals and is the only code that deletes from it.

export interface UsageRollupPendingTable {
  event_id: string;
  workspace_id: string;
  day: CalendarDate;
  offering_id: string | null;
  currency: string;
  minutes: number;
  seconds: number;
  amount: Numeric;
}
