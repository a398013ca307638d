import { useEffect, type ReactNode } from "react";
import { useQuery } from "@connectrpc/connect-query";
import { WorkspaceService } from "@hangar/api/workspace_service_pb.js";
import { readToken } from "./api/session.js";
import { match, navigate, useLocation } from "./router.js";
import { WorkspaceProvider, workspaceContext } from "./workspace.js";
import { Shell } from "./shell.js";
import { ErrorState, Loading, Empty } from "./components/states.js";
import { SignInPage } from "./pages/sign-in.js";
import { OverviewPage } from "./pages/overview.js";
import { RunnersPage } from "./pages/runners.js";
import { RunnerFormPage } from "./pages/runner-form.js";
import { RunnerDetailPage } from "./pages/runner-detail.js";
import { JobsPage } from "./pages/jobs.js";
import { JobDetailPage } from "./pages/job-detail.js";
import { InstallationsPage } from "./pages/installations.js";
import { UsagePage } from "./pages/usage.js";
import { MembersPage } from "./pages/members.js";
import { AuditPage } from "./pages/audit.js";

type Route = { pattern: string; render: (params: Record<string, string>) => ReactNode };

// Paths below /w/:slug, the workspace's slug in the URL so that links can be shared.
const routes: Route[] = [
  { pattern: "", render: () => <OverviewPage /> },
  { pattern: "/runners", render: () => <RunnersPage /> },
  { pattern: "/runners/new", render: () => <RunnerFormPage /> },
  { pattern: "/runners/:id", render: (p) => <RunnerDetailPage id={p.id ?? ""} /> },
  { pattern: "/runners/:id/edit", render: (p) => <RunnerFormPage editId={p.id ?? ""} /> },
  { pattern: "/jobs", render: () => <JobsPage /> },
  { pattern: "/jobs/:id", render: (p) => <JobDetailPage id={p.id ?? ""} /> },
  { pattern: "/installations", render: () => <InstallationsPage /> },
  { pattern: "/usage", render: () => <UsagePage /> },
  { pattern: "/members", render: () => <MembersPage /> },
  { pattern: "/audit", render: () => <AuditPage /> },
];

function Redirect({ to }: { to: string }) {
  useEffect(() => {
    navigate(to, { replace: true });
  }, [to]);
  return null;
}

export function App() {
  const { path } = useLocation();
  if (path === "/sign-in" || readToken() === undefined) return <SignInPage />;
  return <SignedIn path={path} />;
}

function SignedIn({ path }: { path: string }) {
  const workspaces = useQuery(WorkspaceService.method.listWorkspaces, { pageSize: 500 });
  if (workspaces.isPending) return <Loading what="workspaces" />;
  if (workspaces.isError) return <ErrorState error={workspaces.error} />;
  const list = workspaces.data.workspaces;

  const slug = /^\/w\/([^/]+)/.exec(path)?.[1];
  if (slug === undefined) {
    const first = list[0];
    if (first === undefined) {
      return <Empty title="No workspace yet">This token belongs to no workspace.</Empty>;
    }
    return <Redirect to={`/w/${first.slug}`} />;
  }
  const workspace = list.find((w) => w.slug === decodeURIComponent(slug));
  const rest = path.slice(`/w/${slug}`.length).replace(/\/$/, "");
  const route = routes.find((r) => match(r.pattern, rest) !== undefined);
  const context = workspace === undefined ? undefined : workspaceContext(workspace);
  return (
    <Shell workspaces={list} current={context}>
      {context === undefined ? (
        <Empty title="Workspace not found">
          There is no workspace “{decodeURIComponent(slug)}” that you can see.
        </Empty>
      ) : route === undefined ? (
        <Empty title="Page not found">Nothing lives at this address.</Empty>
      ) : (
        <WorkspaceProvider value={context} key={context.workspace.id}>
          {route.render(match(route.pattern, rest) ?? {})}
        </WorkspaceProvider>
      )}
    </Shell>
  );
}
