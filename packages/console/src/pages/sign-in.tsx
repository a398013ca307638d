import { useState, type SyntheticEvent } from "react";
import { createClient } from "@connectrpc/connect";
import { WorkspaceService } from "@hangar/api/workspace_service_pb.js";
import { storeToken, clearToken } from "../api/session.js";
import { errorMessage, isUnauthenticated, transport } from "../api/transport.js";
import { navigate, useLocation } from "../router.js";

export function SignInPage() {
  const { query } = useLocation();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  // The token is tried before it is kept, so a typo is reported here rather than
  // as a failure on the first page.
  const submit = async (event: SyntheticEvent): Promise<void> => {
    event.preventDefault();
    const value = token.trim();
    if (value === "") {
      setError("Paste an API token.");
      return;
    }
    setBusy(true);
    setError(undefined);
    storeToken(value);
    try {
      const client = createClient(WorkspaceService, transport);
      const { workspaces } = await client.listWorkspaces({ pageSize: 1 });
      const first = workspaces[0];
      navigate(first === undefined ? "/" : `/w/${encodeURIComponent(first.slug)}`);
    } catch (caught) {
      clearToken();
      setError(
        isUnauthenticated(caught)
          ? "This token is not valid: it may be mistyped, revoked or expired."
          : errorMessage(caught),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form
        onSubmit={(event) => {
          void submit(event);
        }}
        aria-labelledby="sign-in-title"
      >
        <h1 id="sign-in-title">Sign in to Hangar</h1>
        {query.get("expired") === "1" && (
          <p className="notice">Your session ended. Sign in again to continue.</p>
        )}
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          autoFocus
          placeholder="hgr_…"
          value={token}
          onChange={(event) => {
            setToken(event.target.value);
          }}
          aria-invalid={error !== undefined}
          aria-describedby={error !== undefined ? "token-error" : "token-help"}
        />
        <p id="token-help" className="help">
          An admin of your workspace creates tokens on its “Members &amp; tokens” page. The token is
          kept in this tab only.
        </p>
        {error !== undefined && (
          <p id="token-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
