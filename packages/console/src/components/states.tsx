import type { ReactNode } from "react";
import { errorMessage } from "../api/transport.js";

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorState({ error }: { error: unknown }) {
  return (
    <div className="error-state" role="alert">
      <strong>Something went wrong.</strong> {errorMessage(error)}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <h2>{title}</h2>
      {children !== undefined && <p>{children}</p>}
    </div>
  );
}

export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      {children !== undefined && <div className="actions">{children}</div>}
    </header>
  );
}

const tones: Record<string, string> = {
  active: "good",
  success: "good",
  completed: "neutral",
  in_progress: "busy",
  queued: "wait",
  waiting: "wait",
  provisioning: "wait",
  suspended: "warn",
  cancelled: "warn",
  deleting: "warn",
  error: "bad",
  failure: "bad",
  timed_out: "bad",
  deleted: "neutral",
  revoked: "neutral",
  expired: "warn",
};

/** A status word with a colour and its text, never colour alone. */
export function Badge({ value }: { value: string }) {
  if (value === "") return <span className="muted">—</span>;
  return <span className={`badge ${tones[value] ?? "neutral"}`}>{value.replace("_", " ")}</span>;
}
