import { create } from "@bufbuild/protobuf";
import { durationFromMs, type Duration } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  GetUsageResponseSchema,
  type GetUsageResponse,
  type InfraUsage,
} from "@hangar/api/usage_service_pb.js";
import type { FakeJob, FakeState } from "./fake-data.js";

// Usage as the real API bills it, over the fake jobs: a job is billed on the UTC day
// it completed, its run time rounded up to whole minutes at its offering's price; jobs
// that no runner took are free. Amounts are computed in millionths (integers), so the
// decimal strings are exact, as the ledger's are.

const DAY_MS = 86_400_000;
const MONTH = /^(\d{4})-(\d{2})$/;

export type UsagePeriod = { startDay: string; endDay: string; startMs: number; endMs: number };

/** A month "YYYY-MM", or the current one when empty; INVALID_ARGUMENT otherwise. */
export function usagePeriod(month: string, now: number): UsagePeriod {
  const current = new Date(now).toISOString().slice(0, 7);
  const found = MONTH.exec(month === "" ? current : month);
  if (found === null) throw new ConnectError("month: expected YYYY-MM", Code.InvalidArgument);
  const startMs = Date.UTC(Number(found[1]), Number(found[2]) - 1, 1);
  const endMs = Date.UTC(Number(found[1]), Number(found[2]), 1);
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  return { startDay: day(startMs), endDay: day(endMs), startMs, endMs };
}

function micros(decimal: string): bigint {
  const [whole = "0", fraction = ""] = decimal.split(".");
  return BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, "0").slice(0, 6));
}

function decimal(value: bigint): string {
  return `${value / 1_000_000n}.${(value % 1_000_000n).toString().padStart(6, "0")}`;
}

type Billed = {
  job: FakeJob;
  offeringId: string;
  offeringName: string;
  currency: string;
  billedSeconds: number;
  startedMinutes: number;
  unitPrice: string;
  amount: bigint;
};

function billedJobs(state: FakeState, workspaceId: string, period: UsagePeriod): Billed[] {
  const billed: Billed[] = [];
  for (const job of state.jobs) {
    if (job.workspaceId !== workspaceId || job.runnerId === "") continue;
    if (job.completeMs === undefined || job.startMs === undefined) continue;
    if (job.completeMs < period.startMs || job.completeMs >= period.endMs) continue;
    const runner = state.runners.find((r) => r.id === job.runnerId);
    const offering = state.offerings.find((o) => o.id === runner?.runnerOfferingId);
    const startedMinutes = Math.max(1, Math.ceil((job.completeMs - job.startMs) / 60_000));
    const unitPrice = offering?.pricePerMinute ?? "0.010";
    billed.push({
      job,
      offeringId: offering?.id ?? "",
      offeringName: offering?.name ?? "custom",
      currency: offering?.currency ?? "USD",
      billedSeconds: startedMinutes * 60,
      startedMinutes,
      unitPrice,
      amount: micros(unitPrice) * BigInt(startedMinutes),
    });
  }
  return billed;
}

/** Cluster time behind billed time: each job's pod booted for 20 s and idled 40 s. */
function infraOf(jobs: Billed[]): InfraUsage {
  const busy = jobs.reduce((sum, b) => sum + b.billedSeconds * 1000, 0);
  return {
    $typeName: "hangar.v1.InfraUsage",
    instances: BigInt(jobs.length),
    boot: durationFromMs(jobs.length * 20_000),
    idle: durationFromMs(jobs.length * 40_000),
    busy: durationFromMs(busy),
  };
}

type Sums = { jobs: bigint; startedMinutes: bigint; billedSeconds: bigint; amount: bigint };
const sum = (items: Billed[]): Sums => ({
  jobs: BigInt(items.length),
  startedMinutes: BigInt(items.reduce((s, b) => s + b.startedMinutes, 0)),
  billedSeconds: BigInt(items.reduce((s, b) => s + b.billedSeconds, 0)),
  amount: items.reduce((s, b) => s + b.amount, 0n),
});

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

export function usageStatement(
  state: FakeState,
  workspaceId: string,
  period: UsagePeriod,
): GetUsageResponse {
  const billed = billedJobs(state, workspaceId, period);
  const lines = [...groupBy(billed, (b) => `${b.offeringId}\n${b.currency}`).values()].map(
    (items) => {
      const first = items[0] as Billed;
      const s = sum(items);
      return {
        offeringId: first.offeringId,
        offeringName: first.offeringName,
        currency: first.currency,
        jobs: s.jobs,
        startedMinutes: s.startedMinutes,
        billedSeconds: s.billedSeconds,
        amount: decimal(s.amount),
        infra: infraOf(items),
      };
    },
  );
  const totals = [...groupBy(billed, (b) => b.currency).entries()].map(([currency, items]) => {
    const s = sum(items);
    return { currency, ...s, amount: decimal(s.amount) };
  });
  const dayOf = (b: Billed): string =>
    new Date(Math.floor((b.job.completeMs ?? 0) / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  const days = [...groupBy(billed, (b) => `${dayOf(b)}\n${b.offeringId}\n${b.currency}`).values()]
    .map((items) => {
      const first = items[0] as Billed;
      const s = sum(items);
      return {
        day: dayOf(first),
        offeringId: first.offeringId,
        currency: first.currency,
        jobs: s.jobs,
        billedSeconds: s.billedSeconds,
        amount: decimal(s.amount),
      };
    })
    .sort((a, b) => a.day.localeCompare(b.day));
  return create(GetUsageResponseSchema, {
    startDay: period.startDay,
    endDay: period.endDay,
    lines,
    totals,
    infra: infraOf(billed),
    days,
  });
}

const field = (value: string | bigint | number): string => {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
const record = (fields: (string | bigint | number)[]): string =>
  `${fields.map(field).join(",")}\r\n`;

/** The CSV files the API exports, with the same header rows. */
export function usageCsv(
  state: FakeState,
  workspaceId: string,
  period: UsagePeriod,
  kind: string,
): string {
  if (kind === "events") {
    const rows = billedJobs(state, workspaceId, period).map((b) =>
      record([
        new Date(b.job.completeMs ?? 0).toISOString(),
        b.job.id,
        `${workspaceId}-default`,
        b.job.runnerId,
        b.offeringId,
        b.job.repository,
        b.billedSeconds,
        b.startedMinutes,
        b.unitPrice,
        decimal(b.amount),
        b.currency,
      ]),
    );
    const header =
      "occurred_at,github_job_id,project_id,runner_id,offering_id,repository," +
      "billed_seconds,started_minutes,unit_price,amount,currency\r\n";
    return header + rows.join("");
  }
  if (kind !== "" && kind !== "statement") {
    throw new ConnectError('kind: "statement" or "events"', Code.InvalidArgument);
  }
  const statement = usageStatement(state, workspaceId, period);
  const header =
    "row,period_from,period_to,offering_id,offering_name,currency,jobs,started_minutes," +
    "billed_seconds,billed_minutes,amount,infra_instances,infra_boot_minutes," +
    "infra_idle_minutes,infra_busy_minutes,infra_minutes\r\n";
  const span = [statement.startDay, statement.endDay];
  const minutes = (seconds: bigint): string => (Number(seconds) / 60).toFixed(2);
  const infra = (i: InfraUsage | undefined): string[] => {
    const m = (d: Duration | undefined) => (d === undefined ? 0 : Number(d.seconds));
    const [boot, idle, busy] = [m(i?.boot), m(i?.idle), m(i?.busy)];
    return [
      String(i?.instances ?? 0n),
      ...[boot, idle, busy, boot + idle + busy].map((s) => (s / 60).toFixed(2)),
    ];
  };
  const blank = ["", "", "", "", ""];
  const lines = statement.lines.map((l) =>
    record([
      "offering",
      ...span,
      l.offeringId,
      l.offeringName,
      l.currency,
      l.jobs,
      l.startedMinutes,
      l.billedSeconds,
      minutes(l.billedSeconds),
      l.amount,
      ...infra(l.infra),
    ]),
  );
  // Infrastructure time of the whole workspace goes on the first total row only.
  const totals = statement.totals.map((t, index) =>
    record([
      "total",
      ...span,
      "",
      "",
      t.currency,
      t.jobs,
      t.startedMinutes,
      t.billedSeconds,
      minutes(t.billedSeconds),
      t.amount,
      ...(index === 0 ? infra(statement.infra) : blank),
    ]),
  );
  return header + lines.join("") + totals.join("");
}
