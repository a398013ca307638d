import { useQuery } from "@connectrpc/connect-query";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import { JobService } from "@hangar/api/job_service_pb.js";
import { useWorkspace } from "../workspace.js";
import { POLL_MS, useMetricsSeries, useRange } from "../metrics.js";
import { formatTime } from "../format.js";
import { Link } from "../router.js";
import { MetricsPanel, RangePicker } from "../components/metrics-panel.js";
import { RunnerActions } from "../components/runner-actions.js";
import { FleetBar } from "../components/fleet-bar.js";
import { JobsTable } from "../components/jobs-table.js";
import { Badge, Empty, ErrorState, Loading, PageHeader } from "../components/states.js";

export function RunnerDetailPage({ id }: { id: string }) {
  const { workspace, base } = useWorkspace();
  const [range, setRange] = useRange();
  const runner = useQuery(RunnerService.method.getRunner, { id }, { refetchInterval: POLL_MS });
  const series = useMetricsSeries({ workspaceId: workspace.id, runnerId: id, range });
  const jobs = useQuery(
    JobService.method.listJobs,
    { workspaceId: workspace.id, runnerId: id, pageSize: 20 },
    { refetchInterval: POLL_MS },
  );
  if (runner.isPending) return <Loading what="runner" />;
  if (runner.isError) return <ErrorState error={runner.error} />;
  const r = runner.data.runner;
  if (r === undefined) return <Empty title="Runner not found" />;

  const facts: [string, React.ReactNode][] = [
    ["Status", <Badge key="s" value={r.status} />],
    ["Image", r.isCustom ? r.image : `offering ${r.runnerOfferingId}`],
    ["Size", `${r.cpu} CPU · ${r.memory}`],
    ["Labels", ["self-hosted", r.name, ...r.labels].join(", ")],
    [
      "Repositories",
      r.repositories.length === 0 ? "all of the installation" : r.repositories.join(", "),
    ],
    ["Instances now", <FleetBar key="f" fleet={r.fleet} name={r.name} />],
    ["Min idle / max", `${r.minIdle} / ${r.maxRunners}`],
    ["Pre-warming", r.prewarmMaxIdle === undefined ? "off" : `up to ${r.prewarmMaxIdle} idle`],
    ["Namespace", r.namespace],
    ["Created", formatTime(r.createTime)],
  ];
  if (r.statusMessage !== "") facts.splice(1, 0, ["Status message", r.statusMessage]);
  return (
    <>
      <PageHeader
        title={
          <>
            <Link href={`${base}/runners`}>Runners</Link> / {r.name}
          </>
        }
      >
        <RunnerActions runner={r} />
      </PageHeader>
      <dl className="facts">
        {facts.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <div className="section-header">
        <h2>Metrics</h2>
        <RangePicker value={range} onChange={setRange} />
      </div>
      <MetricsPanel series={series} range={range} />
      <h2>Recent jobs</h2>
      {jobs.isPending ? (
        <Loading what="jobs" />
      ) : jobs.isError ? (
        <ErrorState error={jobs.error} />
      ) : jobs.data.jobs.length === 0 ? (
        <Empty title="No jobs yet">
          Jobs with <code>runs-on: {r.name}</code> will show here.
        </Empty>
      ) : (
        <JobsTable jobs={jobs.data.jobs} label="Recent jobs" />
      )}
    </>
  );
}
