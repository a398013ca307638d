import { useState, type SyntheticEvent } from "react";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { WorkspaceService, type Member } from "@hangar/api/workspace_service_pb.js";
import { roles, useInvalidateWorkspace, useWorkspace } from "../workspace.js";
import { errorMessage } from "../api/transport.js";
import { formatTime } from "../format.js";
import { Confirm } from "../components/confirm.js";
import { ApiTokens } from "../components/api-tokens.js";
import { Empty, ErrorState, Loading, PageHeader } from "../components/states.js";

function AddMember() {
  const { workspace } = useWorkspace();
  const invalidate = useInvalidateWorkspace();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("member");
  const add = useMutation(WorkspaceService.method.addMember, {
    onSuccess: async () => {
      setEmail("");
      await invalidate();
    },
  });
  const submit = (event: SyntheticEvent): void => {
    event.preventDefault();
    if (!/^\S+@\S+\.\S+$/.test(email.trim())) return;
    add.mutate({ workspaceId: workspace.id, email: email.trim(), role });
  };
  return (
    <form className="filters" aria-label="Add a member" onSubmit={submit}>
      <label>
        Email
        <input
          type="email"
          required
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
          }}
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
          {roles.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={add.isPending}>
        Add member
      </button>
      {add.isError && <span className="field-error">{errorMessage(add.error)}</span>}
    </form>
  );
}

function MemberRow({ member }: { member: Member }) {
  const { workspace, canAdmin } = useWorkspace();
  const invalidate = useInvalidateWorkspace();
  const [asking, setAsking] = useState(false);
  const update = useMutation(WorkspaceService.method.updateMemberRole, { onSuccess: invalidate });
  const remove = useMutation(WorkspaceService.method.removeMember, { onSuccess: invalidate });
  const failed = update.error ?? remove.error;
  return (
    <tr>
      <td>
        {member.displayName || member.email}
        <div className="muted small">{member.email}</div>
      </td>
      <td>
        {canAdmin ? (
          <select
            aria-label={`Role of ${member.email}`}
            value={member.role}
            disabled={update.isPending}
            onChange={(e) => {
              update.mutate({
                workspaceId: workspace.id,
                userId: member.userId,
                role: e.target.value,
              });
            }}
          >
            {roles.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        ) : (
          member.role
        )}
        {failed !== null && <div className="field-error">{errorMessage(failed)}</div>}
      </td>
      <td>{formatTime(member.createTime)}</td>
      {canAdmin && (
        <td>
          <button
            type="button"
            className="danger"
            onClick={() => {
              setAsking(true);
            }}
          >
            Remove
          </button>
          <Confirm
            open={asking}
            title={`Remove ${member.email}?`}
            confirmLabel="Remove member"
            danger
            onCancel={() => {
              setAsking(false);
            }}
            onConfirm={() => {
              setAsking(false);
              remove.mutate({ workspaceId: workspace.id, userId: member.userId });
            }}
          >
            <p>
              They lose access to this workspace. Tokens they created keep working until revoked.
            </p>
          </Confirm>
        </td>
      )}
    </tr>
  );
}

export function MembersPage() {
  const { workspace, canAdmin } = useWorkspace();
  const members = useQuery(WorkspaceService.method.listMembers, {
    workspaceId: workspace.id,
    pageSize: 500,
  });
  return (
    <>
      <PageHeader title="Members & tokens" />
      <section aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        {canAdmin && <AddMember />}
        {members.isPending ? (
          <Loading what="members" />
        ) : members.isError ? (
          <ErrorState error={members.error} />
        ) : members.data.members.length === 0 ? (
          <Empty title="No members" />
        ) : (
          <table aria-label="Members">
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Role</th>
                <th scope="col">Since</th>
                {canAdmin && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {members.data.members.map((m) => (
                <MemberRow key={m.userId} member={m} />
              ))}
            </tbody>
          </table>
        )}
      </section>
      <ApiTokens />
    </>
  );
}
