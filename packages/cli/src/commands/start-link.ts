// The one URL `hangar start` ends with: the dashboard, signed in when there is a demo
// token. The token goes in the fragment (`#token=…`), which browsers never send, so it
// reaches no server log; the dashboard keeps it as its sign-in page would and removes
// it from the address bar (packages/console/src/api/session.ts).

export interface DashboardLink {
  /** Base URL of the API role, which serves the dashboard at `/`. */
  apiUrl: string;
  /** An owner token of the demo workspace, when the simulator runs the demo. */
  demo: { token: string; workspace: string } | undefined;
  /** Why the dashboard could not be built, when it could not. */
  notBuilt: string | undefined;
}

export function dashboardUrl(apiUrl: string, token?: string): string {
  const base = `${apiUrl.replace(/\/$/, "")}/`;
  return token === undefined ? base : `${base}#token=${encodeURIComponent(token)}`;
}

/** The summary's last lines: a label, then the URL alone on its line. */
export function dashboardLinkLines(link: DashboardLink): string[] {
  if (link.notBuilt !== undefined) {
    return [
      `The dashboard is not built (${link.notBuilt}): run \`npm run build:console\`, then open`,
      `  ${dashboardUrl(link.apiUrl, link.demo?.token)}`,
    ];
  }
  return [
    link.demo === undefined
      ? "Open the dashboard and sign in with an API token of your workspace:"
      : `Open the dashboard (signed in as owner of workspace ${link.demo.workspace}):`,
    `  ${dashboardUrl(link.apiUrl, link.demo?.token)}`,
  ];
}
