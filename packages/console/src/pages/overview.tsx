import { useQuery } from "@connectrpc/connect-query";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import { useWorkspace } from "../workspace.js";
import { useMetricsSeries, useRange, POLL_MS } from "../metrics.js";
import { MetricsPanel, RangePicker } from "../components/metrics-panel.js";
import { Badge, Empty, ErrorState, Loading, PageHeader } from "../components/states.js";
import { Link } from "../router.js";
import { FleetBar } from "../components/fleet-bar.js";

export function OverviewPage() {
  const { workspace, base } = useWorkspace();
  const [range, setRange] = useRange();
  const series = useMetricsSeries({ workspaceId: workspace.id, range });
  const runners = useQuery(
    RunnerService.method.listRunners,
    { workspaceId: workspace.id, pageSize: 500 },
    { refetchInterval: POLL_MS },
  );
  return (
    <>
      <PageHeader title={`Overview · ${workspace.name}`}>
        <RangePicker value={range} onChange={setRange} />
      </PageHeader>
      <MetricsPanel series={series} range={range} />
      <section aria-labelledby="pools-title">
        <h2 id="pools-title">Runner configurations</h2>
        {runners.isPending ? (
          <Loading what="runners" />
        ) : runners.isError ? (
          <ErrorState error={runners.error} />
        ) : runners.data.runners.length === 0 ? (
          <Empty title="No runners yet">
            <Link href={`${base}/runners/new`}>Create a runner</Link> so that jobs asking for its
            label run on it.
          </Empty>
        ) : (
          <table aria-label="Runner configurations">
            <thead>
              <tr>
                <th scope="col">Runner</th>
                <th scope="col">Status</th>
                <th scope="col">Instances now</th>
                <th scope="col">Size</th>
                <th scope="col" className="num">
                  Min idle
                </th>
                <th scope="col" className="num">
                  Max
                </th>
              </tr>
            </thead>
            <tbody>
              {runners.data.runners.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link href={`${base}/runners/${r.id}`}>{r.name}</Link>
                  </td>
                  <td>
                    <Badge value={r.status} />
                  </td>
                  <td>
                    <FleetBar fleet={r.fleet} name={r.name} />
                  </td>
                  <td>
                    {r.cpu} CPU · {r.memory}
                  </td>
                  <td className="num">{r.minIdle}</td>
                  <td className="num">{r.maxRunners}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
