import type { ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import type { Workspace } from "@hangar/api/workspace_service_pb.js";
import { clearToken } from "./api/session.js";
import { Link, navigate, useLocation } from "./router.js";
import type { WorkspaceContext } from "./workspace.js";

const sections = [
  { path: "", label: "Overview" },
  { path: "/runners", label: "Runners" },
  { path: "/jobs", label: "Jobs" },
  { path: "/installations", label: "Installations" },
  { path: "/usage", label: "Usage & cost" },
  { path: "/members", label: "Members & tokens" },
  { path: "/audit", label: "Audit log" },
];

export function Shell(props: {
  workspaces: Workspace[];
  current: WorkspaceContext | undefined;
  children: ReactNode;
}) {
  const { path } = useLocation();
  const queryClient = useQueryClient();
  const base = props.current?.base;

  const signOut = (): void => {
    clearToken();
    queryClient.clear();
    navigate("/sign-in");
  };

  const active = (section: string): boolean => {
    if (base === undefined) return false;
    const rest = path.slice(base.length);
    return section === "" ? rest === "" || rest === "/" : rest.startsWith(section);
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="brand">Hangar</div>
        <label className="switcher">
          <span>Workspace</span>
          <select
            aria-label="Workspace"
            value={props.current?.workspace.slug ?? ""}
            onChange={(event) => {
              navigate(`/w/${encodeURIComponent(event.target.value)}`);
            }}
          >
            {props.current === undefined && <option value="">—</option>}
            {props.workspaces.map((w) => (
              <option key={w.id} value={w.slug}>
                {w.name}
              </option>
            ))}
          </select>
        </label>
        {props.current !== undefined && (
          <p className="role">
            Your role:{" "}
            <strong data-testid="caller-role">{props.current.workspace.callerRole}</strong>
          </p>
        )}
        <ul>
          {base !== undefined &&
            sections.map((s) => (
              <li key={s.path}>
                <Link href={`${base}${s.path}`} aria-current={active(s.path) ? "page" : undefined}>
                  {s.label}
                </Link>
              </li>
            ))}
        </ul>
        <button type="button" className="sign-out" onClick={signOut}>
          Sign out
        </button>
      </nav>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}
