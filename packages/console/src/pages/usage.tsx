import { useState } from "react";
import { useQuery } from "@connectrpc/connect-query";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { OfferingService } from "@hangar/api/offering_service_pb.js";
import { UsageService, type GetUsageResponse } from "@hangar/api/usage_service_pb.js";
import { durationMs, formatMs } from "../format.js";
import { POLL_MS } from "../metrics.js";
import { navigate, useLocation } from "../router.js";
import { downloadUsageCsv, type UsageCsvKind } from "../usage-download.js";
import { useWorkspace } from "../workspace.js";
import { Empty, ErrorState, Loading, PageHeader } from "../components/states.js";

const palette = ["var(--accent)", "var(--busy)", "var(--good)", "var(--warn)", "var(--bad)"];

const thisMonth = (): string => new Date().toISOString().slice(0, 7);

/** Billed minutes per day, one stacked series per offering, every day of the period shown. */
function dailySeries(usage: GetUsageResponse, names: Map<string, string>) {
  const keys = [...new Set(usage.days.map((d) => names.get(d.offeringId) ?? "custom"))];
  const rows = new Map<string, Record<string, number | string>>();
  const end = Date.parse(`${usage.endDay}T00:00:00Z`);
  for (let t = Date.parse(`${usage.startDay}T00:00:00Z`); t < end; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    rows.set(day, { day: day.slice(8) });
  }
  for (const d of usage.days) {
    const row = rows.get(d.day);
    const key = names.get(d.offeringId) ?? "custom";
    if (row !== undefined) row[key] = Number(row[key] ?? 0) + Number(d.billedSeconds) / 60;
  }
  return { keys, rows: [...rows.values()] };
}

export function UsagePage() {
  const { workspace, canAdmin } = useWorkspace();
  const query = useLocation().query;
  const month = query.get("month") ?? thisMonth();
  const [downloading, setDownloading] = useState<UsageCsvKind | undefined>();
  const [downloadError, setDownloadError] = useState<string | undefined>();
  const usage = useQuery(
    UsageService.method.getUsage,
    { workspaceId: workspace.id, month },
    // The current month grows as jobs complete; past months are final.
    { refetchInterval: month === thisMonth() ? POLL_MS : false },
  );
  const offerings = useQuery(OfferingService.method.listOfferings, { includeRetired: true });
  const names = new Map(offerings.data?.offerings.map((o) => [o.id, o.name]));

  const download = (kind: UsageCsvKind): void => {
    setDownloading(kind);
    setDownloadError(undefined);
    downloadUsageCsv({ workspaceId: workspace.id, slug: workspace.slug, month, kind })
      .catch((error: unknown) => {
        setDownloadError(error instanceof Error ? error.message : String(error));
      })
      .finally(() => {
        setDownloading(undefined);
      });
  };

  return (
    <>
      <PageHeader title="Usage & cost">
        <div className="usage-actions">
          <label className="inline">
            Month{" "}
            <input
              type="month"
              aria-label="Month"
              value={month}
              max={thisMonth()}
              onChange={(event) => {
                if (event.target.value === "") return;
                const params = new URLSearchParams(query);
                params.set("month", event.target.value);
                navigate(`?${params.toString()}`, { replace: true });
              }}
            />
          </label>
          {/* Exports are the billing ledger itself: admins only, as the API rules. */}
          {canAdmin && (
            <>
              <button
                type="button"
                disabled={downloading !== undefined}
                onClick={() => {
                  download("statement");
                }}
              >
                Download CSV (statement)
              </button>
              <button
                type="button"
                disabled={downloading !== undefined}
                onClick={() => {
                  download("events");
                }}
              >
                Download CSV (jobs)
              </button>
            </>
          )}
        </div>
      </PageHeader>
      {downloadError !== undefined && (
        <p className="field-error" role="alert">
          {downloadError}
        </p>
      )}
      {usage.isPending ? (
        <Loading what="usage" />
      ) : usage.isError ? (
        <ErrorState error={usage.error} />
      ) : (
        <Statement usage={usage.data} names={names} />
      )}
    </>
  );
}

function Statement({ usage, names }: { usage: GetUsageResponse; names: Map<string, string> }) {
  if (usage.lines.length === 0) {
    return (
      <Empty title="Nothing billed in this period">
        Jobs are billed on the day they complete, by the minute, at their offering's price.
      </Empty>
    );
  }
  const { keys, rows } = dailySeries(usage, names);
  const infraMs = (i: GetUsageResponse["infra"]): number =>
    (durationMs(i?.boot) ?? 0) + (durationMs(i?.idle) ?? 0) + (durationMs(i?.busy) ?? 0);
  return (
    <>
      <section aria-label="Totals" className="totals">
        {usage.totals.map((t) => (
          <div className="stat" key={t.currency}>
            <div className="stat-label">Total {t.currency}</div>
            <div className="stat-value" data-testid={`total-${t.currency}`}>
              {t.amount}
            </div>
            <div className="stat-hint">
              {t.jobs.toString()} jobs · {(Number(t.billedSeconds) / 60).toFixed(0)} billed min
            </div>
          </div>
        ))}
        <div className="stat">
          <div className="stat-label">Cluster time</div>
          <div className="stat-value">{formatMs(infraMs(usage.infra))}</div>
          <div className="stat-hint">
            {usage.infra?.instances.toString() ?? "0"} runner instances, booting, idle and busy
          </div>
        </div>
      </section>
      <table aria-label="Statement">
        <thead>
          <tr>
            <th scope="col">Offering</th>
            <th scope="col" className="num">
              Jobs
            </th>
            <th scope="col" className="num">
              Billed minutes
            </th>
            <th scope="col" className="num">
              Instance time (busy / idle / boot)
            </th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {usage.lines.map((l) => (
            <tr key={`${l.offeringId}/${l.currency}`} data-offering={l.offeringId}>
              <td>{l.offeringName || "custom runners"}</td>
              <td className="num">{l.jobs.toString()}</td>
              <td className="num">{(Number(l.billedSeconds) / 60).toFixed(0)}</td>
              <td className="num">
                {formatMs(durationMs(l.infra?.busy))} / {formatMs(durationMs(l.infra?.idle))} /{" "}
                {formatMs(durationMs(l.infra?.boot))}
              </td>
              <td className="num">
                {l.amount} {l.currency}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <figure className="chart-card" aria-label="Billed minutes per day">
        <figcaption>
          Billed minutes per day, {usage.startDay} to {usage.endDay} (exclusive)
        </figcaption>
        <div className="chart">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={rows}>
              <CartesianGrid stroke="var(--border)" vertical={false} />
              <XAxis dataKey="day" stroke="var(--muted)" fontSize={12} />
              <YAxis stroke="var(--muted)" fontSize={12} allowDecimals={false} />
              <Tooltip
                contentStyle={{ background: "var(--surface)", border: "1px solid var(--border)" }}
                formatter={(v: unknown) => `${Number(v).toFixed(0)} min`}
              />
              <Legend />
              {keys.map((key, index) => (
                <Bar
                  key={key}
                  dataKey={key}
                  stackId="minutes"
                  fill={palette[index % palette.length]}
                  isAnimationActive={false}
                />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      </figure>
    </>
  );
}
