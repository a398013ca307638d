import { useState, type SyntheticEvent } from "react";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { WorkspaceService, type ApiToken } from "@hangar/api/workspace_service_pb.js";
import { roles, useInvalidateWorkspace, useWorkspace } from "../workspace.js";
import { errorMessage } from "../api/transport.js";
import { formatAgo, formatTime } from "../format.js";
import { Badge, Empty, ErrorState, Loading } from "./states.js";

function tokenState(token: ApiToken): string {
  if (token.revokeTime !== undefined) return "revoked";
  const expires = token.expireTime;
  if (expires !== undefined && Number(expires.seconds) * 1000 < Date.now()) return "expired";
  return "active";
}

/** The secret of a new token, shown once: Hangar keeps only its hash. */
function Secret({ secret, onDone }: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="secret" role="status">
      <p>
        <strong>Copy this token now.</strong> It is shown only once.
      </p>
      <code data-testid="token-secret">{secret}</code>
      <div className="row-actions">
        <button
          type="button"
          className="primary"
          onClick={() => {
            void navigator.clipboard.writeText(secret).then(() => {
              setCopied(true);
            });
          }}
        >
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

export function ApiTokens() {
  const { workspace, canAdmin } = useWorkspace();
  const invalidate = useInvalidateWorkspace();
  const [name, setName] = useState("");
  const [role, setRole] = useState("viewer");
  const [secret, setSecret] = useState<string | undefined>();
  const tokens = useQuery(WorkspaceService.method.listApiTokens, {
    workspaceId: workspace.id,
    includeInactive: true,
    pageSize: 500,
  });
  const create = useMutation(WorkspaceService.method.createApiToken, {
    onSuccess: async (response) => {
      setSecret(response.secret);
      setName("");
      await invalidate();
    },
  });
  const revoke = useMutation(WorkspaceService.method.revokeApiToken, { onSuccess: invalidate });
  // A token is never above its creator's role.
  const allowed = roles.slice(0, roles.indexOf(workspace.callerRole) + 1);
  const submit = (event: SyntheticEvent): void => {
    event.preventDefault();
    if (name.trim() === "" || name.length > 100) return;
    create.mutate({ workspaceId: workspace.id, name: name.trim(), role });
  };
  return (
    <section aria-labelledby="tokens-title">
      <h2 id="tokens-title">API tokens</h2>
      {secret !== undefined && (
        <Secret
          secret={secret}
          onDone={() => {
            setSecret(undefined);
          }}
        />
      )}
      {canAdmin && (
        <form className="filters" aria-label="Create a token" onSubmit={submit}>
          <label>
            Name
            <input
              required
              maxLength={100}
              value={name}
              onChange={(e) => {
                setName(e.target.value);
              }}
              placeholder="ci-deploy"
            />
          </label>
          <label>
            Role
            <select
              value={role}
              onChange={(e) => {
                setRole(e.target.value);
              }}
            >
              {allowed.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={create.isPending}>
            Create token
          </button>
          {create.isError && <span className="field-error">{errorMessage(create.error)}</span>}
        </form>
      )}
      {tokens.isPending ? (
        <Loading what="tokens" />
      ) : tokens.isError ? (
        <ErrorState error={tokens.error} />
      ) : tokens.data.tokens.length === 0 ? (
        <Empty title="No API tokens" />
      ) : (
        <table aria-label="API tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Token</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Last used</th>
              <th scope="col">Created</th>
              {canAdmin && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {tokens.data.tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td>{t.role}</td>
                <td>
                  <Badge value={tokenState(t)} />
                </td>
                <td>{formatAgo(t.lastUseTime)}</td>
                <td>
                  {formatTime(t.createTime)}
                  <div className="muted small">by {t.createdBy}</div>
                </td>
                {canAdmin && (
                  <td>
                    {tokenState(t) === "active" && (
                      <button
                        type="button"
                        className="danger"
                        disabled={revoke.isPending}
                        onClick={() => {
                          revoke.mutate({ id: t.id });
                        }}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
