import { formatMicros, parseMicros } from "./billing.js";

// A workspace's usage over a period, built from the daily totals: what was billed per
// offering (jobs, minutes, amount) and, beside it, what the offering's runner instances
// spent in cluster time. Pure: storage/usage-statements.ts reads the rows, this shapes
// them, domain/billing-csv.ts renders them.

/** usage_daily summed over the period for one offering (null: custom runners) and currency. */
export interface BilledTotals {
  offeringId: string | null;
  currency: string;
  jobs: number;
  /** Minutes begun, summed per job. */
  startedMinutes: number;
  billedSeconds: number;
  /** Decimal with six places. */
  amount: string;
}

/** runner_infra_daily summed over the period for one offering (null: custom runners). */
export interface InfraTotals {
  offeringId: string | null;
  instances: number;
  bootMs: number;
  idleMs: number;
  busyMs: number;
}

export interface StatementLine {
  offeringId: string | null;
  /** The offering's name, or null for custom runners. */
  offeringName: string | null;
  /** Null on a line with infrastructure time but nothing billed. */
  currency: string | null;
  jobs: number;
  startedMinutes: number;
  billedSeconds: number;
  amount: string;
  infra: Omit<InfraTotals, "offeringId">;
}

export interface CurrencyTotal {
  currency: string;
  jobs: number;
  startedMinutes: number;
  billedSeconds: number;
  amount: string;
}

export interface UsageStatement {
  workspaceId: string;
  /** First day of the period and the day after its last (UTC calendar days, YYYY-MM-DD). */
  from: string;
  to: string;
  lines: StatementLine[];
  /** One per currency billed; usually one. */
  totals: CurrencyTotal[];
  infra: Omit<InfraTotals, "offeringId">;
}

const noInfra = { instances: 0, bootMs: 0, idleMs: 0, busyMs: 0 };

/**
 * One line per offering and currency billed, custom runners last. An offering's
 * infrastructure time goes on its first line; an offering with infrastructure time and
 * nothing billed gets a line of its own (currency null). Two currencies for one
 * offering in one period happen only when its price changed currency.
 */
export function buildStatement(input: {
  workspaceId: string;
  from: string;
  to: string;
  billed: readonly BilledTotals[];
  infra: readonly InfraTotals[];
  offeringNames: ReadonlyMap<string, string>;
}): UsageStatement {
  const key = (offeringId: string | null) => offeringId ?? "";
  const infraByOffering = new Map(input.infra.map((i) => [key(i.offeringId), i]));
  const offerings = [
    ...new Set([...input.billed, ...input.infra].map((row) => row.offeringId)),
  ].sort(compareOfferings);

  const lines: StatementLine[] = [];
  for (const offeringId of offerings) {
    const billed = input.billed
      .filter((b) => b.offeringId === offeringId)
      .sort((a, b) => a.currency.localeCompare(b.currency));
    const infraRow = infraByOffering.get(key(offeringId));
    const infra =
      infraRow === undefined
        ? noInfra
        : {
            instances: infraRow.instances,
            bootMs: infraRow.bootMs,
            idleMs: infraRow.idleMs,
            busyMs: infraRow.busyMs,
          };
    const offeringName = offeringId === null ? null : (input.offeringNames.get(offeringId) ?? null);
    if (billed.length === 0) {
      lines.push({
        offeringId,
        offeringName,
        currency: null,
        jobs: 0,
        startedMinutes: 0,
        billedSeconds: 0,
        amount: formatMicros(0n),
        infra,
      });
    }
    billed.forEach((b, index) => {
      lines.push({
        offeringId,
        offeringName,
        currency: b.currency,
        jobs: b.jobs,
        startedMinutes: b.startedMinutes,
        billedSeconds: b.billedSeconds,
        amount: formatMicros(parseMicros(b.amount)),
        infra: index === 0 ? infra : noInfra,
      });
    });
  }

  const totals = new Map<string, CurrencyTotal & { micros: bigint }>();
  for (const b of input.billed) {
    const total = totals.get(b.currency) ?? {
      currency: b.currency,
      jobs: 0,
      startedMinutes: 0,
      billedSeconds: 0,
      amount: "",
      micros: 0n,
    };
    total.jobs += b.jobs;
    total.startedMinutes += b.startedMinutes;
    total.billedSeconds += b.billedSeconds;
    total.micros += parseMicros(b.amount);
    totals.set(b.currency, total);
  }
  return {
    workspaceId: input.workspaceId,
    from: input.from,
    to: input.to,
    lines,
    totals: [...totals.values()]
      .sort((a, b) => a.currency.localeCompare(b.currency))
      .map(({ micros, ...total }) => ({ ...total, amount: formatMicros(micros) })),
    infra: input.infra.reduce(
      (sum, i) => ({
        instances: sum.instances + i.instances,
        bootMs: sum.bootMs + i.bootMs,
        idleMs: sum.idleMs + i.idleMs,
        busyMs: sum.busyMs + i.busyMs,
      }),
      noInfra,
    ),
  };
}

/** Offerings by id, custom runners (null) last. */
function compareOfferings(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** "2026-03" → its first day and the first day of the next month. */
export function monthPeriod(month: string): { from: string; to: string } {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (match === null) throw new RangeError(`not a month (YYYY-MM): ${month}`);
  const year = Number(match[1]);
  const monthIndex = Number(match[2]) - 1;
  const day = (y: number, m: number) => new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  return { from: day(year, monthIndex), to: day(year, monthIndex + 1) };
}

/**
 * Milliseconds as minutes with two decimals, rounded half up: a display figure. Money
 * is never computed from it (amounts come from billed seconds, exactly).
 */
export function formatMinutes(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`bad duration ${ms}`);
  const hundredths = (BigInt(ms) * 100n + 30_000n) / 60_000n;
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, "0")}`;
}
