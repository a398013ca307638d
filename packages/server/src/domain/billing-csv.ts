import { formatMinutes, type UsageStatement } from "./billing-statement.js";

// CSV exports of usage (RFC 4180: comma-separated, CRLF line ends, fields quoted when
// they hold a comma, quote, CR or LF, quotes doubled). Money is written as the decimal
// strings the ledger holds, never through a float, so a spreadsheet sums exactly what
// was billed. Pure functions: the API streams what they return.

type Field = string | number | null;

/** One field: quoted only when it must be; null is an empty field. */
export function csvField(value: Field): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRecord(fields: readonly Field[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

export const statementCsvHeader = [
  "row",
  "period_from",
  "period_to",
  "offering_id",
  "offering_name",
  "currency",
  "jobs",
  "started_minutes",
  "billed_seconds",
  "billed_minutes",
  "amount",
  "infra_instances",
  "infra_boot_minutes",
  "infra_idle_minutes",
  "infra_busy_minutes",
  "infra_minutes",
] as const;

type InfraFigures = UsageStatement["infra"];

function infraFields(infra: InfraFigures): Field[] {
  return [
    infra.instances,
    formatMinutes(infra.bootMs),
    formatMinutes(infra.idleMs),
    formatMinutes(infra.busyMs),
    formatMinutes(infra.bootMs + infra.idleMs + infra.busyMs),
  ];
}

const blankInfra: Field[] = [null, null, null, null, null];

/**
 * A statement as CSV: a header, one `offering` row per statement line, then one `total`
 * row per currency. Infrastructure time is on each offering's first row and, for the
 * whole workspace, on the first total row (so summing a column never counts it twice).
 */
export function statementCsv(statement: UsageStatement): string {
  const period = [statement.from, statement.to];
  const rows = [csvRecord(statementCsvHeader)];
  for (const line of statement.lines) {
    rows.push(
      csvRecord([
        "offering",
        ...period,
        line.offeringId,
        line.offeringName,
        line.currency,
        line.jobs,
        line.startedMinutes,
        line.billedSeconds,
        formatMinutes(line.billedSeconds * 1000),
        line.amount,
        ...infraFields(line.infra),
      ]),
    );
  }
  const totals =
    statement.totals.length > 0
      ? statement.totals
      : [{ currency: null, jobs: 0, startedMinutes: 0, billedSeconds: 0, amount: "0.000000" }];
  totals.forEach((total, index) => {
    rows.push(
      csvRecord([
        "total",
        ...period,
        null,
        null,
        total.currency,
        total.jobs,
        total.startedMinutes,
        total.billedSeconds,
        formatMinutes(total.billedSeconds * 1000),
        total.amount,
        ...(index === 0 ? infraFields(statement.infra) : blankInfra),
      ]),
    );
  });
  return rows.join("");
}

/** One usage event as the ledger export shows it. */
export interface UsageEventRow {
  occurredAt: Date;
  githubJobId: bigint;
  projectId: string;
  runnerId: string;
  offeringId: string | null;
  repository: string;
  billedSeconds: number;
  startedMinutes: number;
  unitPrice: string;
  amount: string;
  currency: string;
}

export const usageEventsCsvHeader = [
  "occurred_at",
  "github_job_id",
  "project_id",
  "runner_id",
  "offering_id",
  "repository",
  "billed_seconds",
  "started_minutes",
  "unit_price",
  "amount",
  "currency",
] as const;

/** Ledger rows as CSV records, without the header (exports stream page by page). */
export function usageEventsCsv(rows: readonly UsageEventRow[]): string {
  return rows
    .map((row) =>
      csvRecord([
        row.occurredAt.toISOString(),
        row.githubJobId.toString(),
        row.projectId,
        row.runnerId,
        row.offeringId,
        row.repository,
        row.billedSeconds,
        row.startedMinutes,
        row.unitPrice,
        row.amount,
        row.currency,
      ]),
    )
    .join("");
}
