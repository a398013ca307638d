import { useQuery } from "@connectrpc/connect-query";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import { useWorkspace } from "../workspace.js";
import { POLL_MS } from "../metrics.js";
import { Link } from "../router.js";
import { RunnerActions } from "../components/runner-actions.js";
import { FleetBar } from "../components/fleet-bar.js";
import { Badge, Empty, ErrorState, Loading, PageHeader } from "../components/states.js";

export function RunnersPage() {
  const { workspace, base, canEdit } = useWorkspace();
  const runners = useQuery(
    RunnerService.method.listRunners,
    { workspaceId: workspace.id, pageSize: 500 },
    { refetchInterval: POLL_MS },
  );
  return (
    <>
      <PageHeader title="Runners">
        {canEdit && (
          <Link className="button primary" href={`${base}/runners/new`}>
            New runner
          </Link>
        )}
      </PageHeader>
      {runners.isPending ? (
        <Loading what="runners" />
      ) : runners.isError ? (
        <ErrorState error={runners.error} />
      ) : runners.data.runners.length === 0 ? (
        <Empty title="No runners yet">
          A runner is a recipe: jobs whose <code>runs-on</code> asks for its name get a fresh,
          ephemeral runner made from it.
        </Empty>
      ) : (
        <table aria-label="Runners">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Image and size</th>
              <th scope="col">Labels</th>
              <th scope="col">Instances now</th>
              <th scope="col" className="num">
                Min idle / max
              </th>
              {canEdit && <th scope="col">Actions</th>}
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
                  {r.statusMessage !== "" && <div className="muted small">{r.statusMessage}</div>}
                </td>
                <td>
                  <div>{r.isCustom ? r.image : r.runnerOfferingId}</div>
                  <div className="muted small">
                    {r.cpu} CPU · {r.memory}
                  </div>
                </td>
                <td>
                  {r.labels.map((l) => (
                    <code key={l} className="label">
                      {l}
                    </code>
                  ))}
                </td>
                <td>
                  <FleetBar fleet={r.fleet} name={r.name} />
                </td>
                <td className="num">
                  {r.minIdle} / {r.maxRunners}
                </td>
                {canEdit && (
                  <td>
                    <RunnerActions runner={r} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
