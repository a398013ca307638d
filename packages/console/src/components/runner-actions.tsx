import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import type { Runner } from "@hangar/api/runner_pb.js";
import { errorMessage } from "../api/transport.js";
import { Link } from "../router.js";
import { useWorkspace } from "../workspace.js";
import { Confirm } from "./confirm.js";

/** Suspend or resume, edit, duplicate and delete; nothing at all for viewers. */
export function RunnerActions({ runner }: { runner: Runner }) {
  const { canEdit, base } = useWorkspace();
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState<"delete" | "suspend" | undefined>();
  const [force, setForce] = useState(false);
  const refresh = {
    onSuccess: () =>
      queryClient.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: RunnerService, cardinality: undefined }),
      }),
  };
  const suspend = useMutation(RunnerService.method.suspendRunner, refresh);
  const resume = useMutation(RunnerService.method.resumeRunner, refresh);
  const remove = useMutation(RunnerService.method.deleteRunner, refresh);
  if (!canEdit) return null;

  const failed = [suspend, resume, remove].find((m) => m.isError);
  const gone = runner.status === "deleting";
  return (
    <div className="row-actions">
      {runner.status === "suspended" ? (
        <button
          type="button"
          disabled={resume.isPending}
          onClick={() => {
            resume.mutate({ id: runner.id });
          }}
        >
          Resume
        </button>
      ) : (
        <button
          type="button"
          disabled={gone || suspend.isPending}
          onClick={() => {
            setAsking("suspend");
          }}
        >
          Suspend
        </button>
      )}
      {!gone && (
        <Link className="button" href={`${base}/runners/${encodeURIComponent(runner.id)}/edit`}>
          Edit
        </Link>
      )}
      <Link className="button" href={`${base}/runners/new?from=${encodeURIComponent(runner.id)}`}>
        Duplicate
      </Link>
      <button
        type="button"
        className="danger"
        disabled={gone}
        onClick={() => {
          setAsking("delete");
        }}
      >
        Delete
      </button>
      {failed?.error != null && (
        <span className="field-error" role="alert">
          {errorMessage(failed.error)}
        </span>
      )}
      <Confirm
        open={asking === "suspend"}
        title={`Suspend ${runner.name}?`}
        confirmLabel="Suspend"
        onCancel={() => {
          setAsking(undefined);
        }}
        onConfirm={() => {
          setAsking(undefined);
          suspend.mutate({ id: runner.id });
        }}
      >
        <p>It takes no new jobs; jobs already running finish. You can resume it later.</p>
      </Confirm>
      <Confirm
        open={asking === "delete"}
        title={`Delete ${runner.name}?`}
        confirmLabel="Delete runner"
        danger
        onCancel={() => {
          setAsking(undefined);
        }}
        onConfirm={() => {
          setAsking(undefined);
          remove.mutate({ id: runner.id, force });
        }}
      >
        <p>
          Jobs asking for <code>{runner.name}</code> will no longer run. Its idle runners stop now;
          busy ones finish their job first.
        </p>
        <label className="inline">
          <input
            type="checkbox"
            checked={force}
            onChange={(e) => {
              setForce(e.target.checked);
            }}
          />
          Stop busy runners at once too (their jobs fail)
        </label>
      </Confirm>
    </div>
  );
}
