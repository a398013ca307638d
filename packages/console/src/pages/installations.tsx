import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { InstallationService } from "@hangar/api/installation_service_pb.js";
import type { RunnerInstallation } from "@hangar/api/installation_pb.js";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import type { Runner } from "@hangar/api/runner_pb.js";
import { useWorkspace } from "../workspace.js";
import { Badge, Empty, ErrorState, Loading, PageHeader } from "../components/states.js";

// GitHub gives a job to a runner that carries every label of its runs-on.
function servingRunner(labels: string[], runners: Runner[]): Runner | undefined {
  return runners.find((r) => {
    const carried = new Set(["self-hosted", r.name, ...r.labels]);
    return labels.every((label) => carried.has(label));
  });
}

function Repositories({
  installation,
  runners,
}: {
  installation: RunnerInstallation;
  runners: Runner[];
}) {
  const repositories = useQuery(InstallationService.method.listInstallationRepositories, {
    installationId: installation.installationId,
    pageSize: 500,
  });
  if (repositories.isPending) return <Loading what="repositories" />;
  if (repositories.isError) return <ErrorState error={repositories.error} />;
  if (repositories.data.repositories.length === 0) {
    return <p className="muted">No repository is reachable through this installation.</p>;
  }
  return (
    <table aria-label={`Repositories of ${installation.accountLogin}`}>
      <thead>
        <tr>
          <th scope="col">Repository</th>
          <th scope="col">runs-on in its workflow files</th>
        </tr>
      </thead>
      <tbody>
        {repositories.data.repositories.map((repo) => (
          <tr key={repo.repositoryId.toString()}>
            <td>
              {repo.fullName} {repo.private && <span className="muted small">private</span>}
            </td>
            <td>
              {repo.runsOn.length === 0 ? (
                <span className="muted">no workflow asks for a self-hosted runner</span>
              ) : (
                <ul className="runs-on">
                  {repo.runsOn.map((set, i) => {
                    const runner = servingRunner(set.labels, runners);
                    return (
                      <li key={i}>
                        {set.labels.map((l) => (
                          <code key={l} className="label">
                            {l}
                          </code>
                        ))}
                        {runner !== undefined ? (
                          <span className="badge good">served by {runner.name}</span>
                        ) : (
                          <span className="badge warn">no runner matches</span>
                        )}
                      </li>
                    );
                  })}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function InstallationsPage() {
  const { workspace, canAdmin } = useWorkspace();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<string | undefined>();
  const installations = useQuery(InstallationService.method.listInstallations, {
    workspaceId: workspace.id,
    pageSize: 500,
  });
  const runners = useQuery(RunnerService.method.listRunners, {
    workspaceId: workspace.id,
    pageSize: 500,
  });
  const toggle = useMutation(InstallationService.method.setInstallationService, {
    onSuccess: () =>
      queryClient.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: InstallationService, cardinality: undefined }),
      }),
  });
  return (
    <>
      <PageHeader title="Installations" />
      {installations.isPending ? (
        <Loading what="installations" />
      ) : installations.isError ? (
        <ErrorState error={installations.error} />
      ) : installations.data.installations.length === 0 ? (
        <Empty title="No GitHub installation yet">
          Install Hangar's GitHub App on an organisation, then link the installation to this
          workspace.
        </Empty>
      ) : (
        <div className="cards">
          {toggle.isError && <ErrorState error={toggle.error} />}
          {installations.data.installations.map((inst) => {
            const key = inst.installationId.toString();
            return (
              <section key={key} className="card" aria-label={inst.accountLogin}>
                <header className="card-header">
                  <h2>{inst.accountLogin}</h2>
                  <span className="muted">
                    {inst.githubAccountType} · {inst.repositorySelection} repositories
                  </span>
                  <Badge value={inst.state} />
                  <Badge value={inst.isServiceEnabled ? "active" : "suspended"} />
                </header>
                <div className="row-actions">
                  <button
                    type="button"
                    aria-expanded={open === key}
                    onClick={() => {
                      setOpen(open === key ? undefined : key);
                    }}
                  >
                    {open === key ? "Hide repositories" : "Show repositories"}
                  </button>
                  {canAdmin && inst.state !== "deleted" && (
                    <button
                      type="button"
                      disabled={toggle.isPending}
                      onClick={() => {
                        toggle.mutate({
                          installationId: inst.installationId,
                          enabled: !inst.isServiceEnabled,
                        });
                      }}
                    >
                      {inst.isServiceEnabled ? "Switch service off" : "Switch service on"}
                    </button>
                  )}
                </div>
                {open === key && (
                  <Repositories installation={inst} runners={runners.data?.runners ?? []} />
                )}
              </section>
            );
          })}
        </div>
      )}
    </>
  );
}
