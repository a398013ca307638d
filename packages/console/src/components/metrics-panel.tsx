import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatDuration, formatMs, formatPercent } from "../format.js";
import { ranges, type Range, type Series } from "../metrics.js";
import { ErrorState, Loading } from "./states.js";

/**
 * Dots only where a line would not show: a series with fewer than three measured
 * buckets (a single point draws no line at all).
 */
function sparseDot(points: readonly Record<string, unknown>[], key: string): false | { r: number } {
  const measured = points.filter((point) => point[key] !== null && point[key] !== undefined);
  return measured.length < 3 ? { r: 3 } : false;
}

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const day = new Intl.DateTimeFormat(undefined, { weekday: "short", hour: "2-digit" });

export function RangePicker(props: { value: Range; onChange: (range: Range) => void }) {
  return (
    <div className="segmented" role="group" aria-label="Time range">
      {(Object.keys(ranges) as Range[]).map((range) => (
        <button
          key={range}
          type="button"
          aria-pressed={props.value === range}
          onClick={() => {
            props.onChange(range);
          }}
        >
          {ranges[range].label}
        </button>
      ))}
    </div>
  );
}

function Stat(props: { label: string; value: string; hint?: string }) {
  return (
    <div className="stat">
      <div className="stat-label">{props.label}</div>
      <div className="stat-value" data-testid={`stat-${props.label}`}>
        {props.value}
      </div>
      {props.hint !== undefined && <div className="stat-hint">{props.hint}</div>}
    </div>
  );
}

function ChartCard(props: { title: string; children: React.ReactElement }) {
  return (
    <figure className="chart-card" aria-label={props.title}>
      <figcaption>{props.title}</figcaption>
      <div className="chart">
        <ResponsiveContainer width="100%" height="100%">
          {props.children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** Headline numbers for the window, then the same measures over time. */
export function MetricsPanel({ series, range }: { series: Series; range: Range }) {
  if (series.error !== null && series.total === undefined)
    return <ErrorState error={series.error} />;
  if (series.isPending || series.total === undefined) return <Loading what="metrics" />;
  const total = series.total;
  const tick = (value: number): string =>
    range === "7d" ? day.format(new Date(value)) : time.format(new Date(value));
  const axis = {
    dataKey: "start",
    type: "number" as const,
    domain: ["dataMin", "dataMax"] as [string, string],
    tickFormatter: tick,
    stroke: "var(--muted)",
    fontSize: 12,
  };
  const tooltip = {
    labelFormatter: (value: unknown) => tick(Number(value)),
    contentStyle: { background: "var(--surface)", border: "1px solid var(--border)" },
  };
  const msTooltip = {
    ...tooltip,
    formatter: (value: unknown) => formatMs(typeof value === "number" ? value : undefined),
  };
  return (
    <section className="metrics" aria-label="Metrics">
      <div className="stats">
        <Stat label="Jobs completed" value={total.totalJobs.toString()} />
        <Stat
          label="Failure rate"
          value={formatPercent(total.failureRate)}
          hint={`${total.failedJobs} failed, ${total.cancelledJobs} cancelled`}
        />
        <Stat
          label="Queue time p50"
          value={formatDuration(total.queueTimeP50)}
          hint={`p90 ${formatDuration(total.queueTimeP90)}`}
        />
        <Stat
          label="Run time p50"
          value={formatDuration(total.runTimeP50)}
          hint={`p90 ${formatDuration(total.runTimeP90)}`}
        />
      </div>
      <div className="charts">
        <ChartCard title="Jobs per minute">
          <BarChart data={series.points}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
            <XAxis {...axis} padding={{ left: 12, right: 12 }} />
            <YAxis stroke="var(--muted)" fontSize={12} allowDecimals />
            <Tooltip {...tooltip} formatter={(v: unknown) => Number(v).toFixed(2)} />
            <Bar
              dataKey="jobsPerMinute"
              name="jobs / min"
              fill="var(--accent)"
              isAnimationActive={false}
            />
          </BarChart>
        </ChartCard>
        <ChartCard title="Queue time">
          <LineChart data={series.points}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
            <XAxis {...axis} />
            <YAxis
              stroke="var(--muted)"
              fontSize={12}
              width={72}
              tickFormatter={(v: number) => formatMs(v)}
            />
            <Tooltip {...msTooltip} />
            <Legend />
            <Line
              dataKey="queueP50"
              name="p50"
              stroke="var(--accent)"
              dot={sparseDot(series.points, "queueP50")}
              connectNulls
              isAnimationActive={false}
            />
            <Line
              dataKey="queueP90"
              name="p90"
              stroke="var(--warn)"
              dot={sparseDot(series.points, "queueP90")}
              connectNulls
              isAnimationActive={false}
            />
          </LineChart>
        </ChartCard>
        <ChartCard title="Run time">
          <LineChart data={series.points}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
            <XAxis {...axis} />
            <YAxis
              stroke="var(--muted)"
              fontSize={12}
              width={72}
              tickFormatter={(v: number) => formatMs(v)}
            />
            <Tooltip {...msTooltip} />
            <Legend />
            <Line
              dataKey="runP50"
              name="p50"
              stroke="var(--accent)"
              dot={sparseDot(series.points, "runP50")}
              connectNulls
              isAnimationActive={false}
            />
            <Line
              dataKey="runP90"
              name="p90"
              stroke="var(--warn)"
              dot={sparseDot(series.points, "runP90")}
              connectNulls
              isAnimationActive={false}
            />
          </LineChart>
        </ChartCard>
        <ChartCard title="Failure rate">
          <LineChart data={series.points}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
            <XAxis {...axis} />
            <YAxis
              stroke="var(--muted)"
              fontSize={12}
              domain={[0, 1]}
              tickFormatter={(v: number) => formatPercent(v)}
            />
            <Tooltip {...tooltip} formatter={(v: unknown) => formatPercent(Number(v))} />
            <Line
              dataKey="failureRate"
              name="failure rate"
              stroke="var(--bad)"
              dot={sparseDot(series.points, "failureRate")}
              isAnimationActive={false}
            />
          </LineChart>
        </ChartCard>
      </div>
    </section>
  );
}
