import { useState, type SyntheticEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import { OfferingService } from "@hangar/api/offering_service_pb.js";
import { RegistryCredentialService } from "@hangar/api/registry_credential_service_pb.js";
import { InstallationService } from "@hangar/api/installation_service_pb.js";
import type { Runner } from "@hangar/api/runner_pb.js";
import { useWorkspace } from "../workspace.js";
import { navigate, useLocation } from "../router.js";
import { errorMessage } from "../api/transport.js";
import { Field } from "../components/field.js";
import { Empty, ErrorState, Loading, PageHeader } from "../components/states.js";
import {
  changedFields,
  emptyDraft,
  splitList,
  validateDraft,
  type DraftErrors,
  type RunnerDraft,
} from "../runner-validation.js";

function draftFrom(runner: Runner, name: string): RunnerDraft {
  return {
    ...emptyDraft,
    name,
    source: runner.isCustom ? "custom" : "offering",
    offeringId: runner.runnerOfferingId,
    image: runner.image,
    cpu: runner.isCustom ? runner.cpu : "",
    memory: runner.isCustom ? runner.memory : "",
    registryCredentialId: runner.registryCredentialId,
    labels: runner.labels.join(", "),
    repositories: runner.repositories.join("\n"),
    minIdle: String(runner.minIdle),
    maxRunners: String(runner.maxRunners),
    prewarmMaxIdle: runner.prewarmMaxIdle === undefined ? "" : String(runner.prewarmMaxIdle),
    installationId: runner.installationId === 0n ? "" : runner.installationId.toString(),
  };
}

/** A new runner, blank or duplicated (`?from=<id>`), or an existing one's edit (`editId`). */
export function RunnerFormPage({ editId }: { editId?: string }) {
  const { workspace, canEdit } = useWorkspace();
  const from = useLocation().query.get("from") ?? editId ?? null;
  const source = useQuery(
    RunnerService.method.getRunner,
    { id: from ?? "" },
    { enabled: from !== null },
  );
  if (!canEdit) {
    return <Empty title="Not allowed">Viewers cannot create or change runners.</Empty>;
  }
  if (from !== null && source.isPending) return <Loading what="runner" />;
  if (from !== null && source.isError) return <ErrorState error={source.error} />;
  const runner = source.data?.runner;
  const name = editId !== undefined ? runner?.name : `${runner?.name ?? ""}-copy`.slice(0, 63);
  const initial = runner !== undefined ? draftFrom(runner, name ?? "") : emptyDraft;
  return (
    <RunnerForm
      workspaceId={workspace.id}
      initial={initial}
      editing={editId !== undefined ? runner : undefined}
      key={from ?? "new"}
    />
  );
}

function RunnerForm({
  workspaceId,
  initial,
  editing,
}: {
  workspaceId: string;
  initial: RunnerDraft;
  editing?: Runner;
}) {
  const { base } = useWorkspace();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<DraftErrors>({});
  const offerings = useQuery(OfferingService.method.listOfferings, { includeRetired: false });
  const credentials = useQuery(RegistryCredentialService.method.listRegistryCredentials, {
    workspaceId,
    pageSize: 500,
  });
  const installations = useQuery(InstallationService.method.listInstallations, {
    workspaceId,
    pageSize: 500,
  });
  const create = useMutation(RunnerService.method.createRunner, {
    onSuccess: async (response) => {
      await queryClient.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: RunnerService, cardinality: undefined }),
      });
      navigate(`${base}/runners/${response.runner?.id ?? ""}`);
    },
  });
  const update = useMutation(RunnerService.method.updateRunner, {
    onSuccess: async (response) => {
      await queryClient.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: RunnerService, cardinality: undefined }),
      });
      navigate(`${base}/runners/${response.runner?.id ?? ""}`);
    },
  });
  const mutation = editing === undefined ? create : update;
  const changes = changedFields(initial, draft);

  const set = (key: keyof RunnerDraft) => (event: { target: { value: string } }) => {
    setDraft({ ...draft, [key]: event.target.value });
  };
  const retired = new Set(offerings.data?.offerings.filter((o) => o.retired).map((o) => o.id));

  const submit = (event: SyntheticEvent): void => {
    event.preventDefault();
    // An edit keeps the runner's offering, even one retired since.
    const found = validateDraft(draft, editing === undefined ? retired : new Set());
    setErrors(found);
    const first = Object.keys(found)[0];
    if (first !== undefined) {
      document.getElementById(`runner-${first}`)?.focus();
      return;
    }
    if (editing !== undefined) {
      update.mutate({
        runner: {
          id: editing.id,
          labels: splitList(draft.labels),
          repositories: splitList(draft.repositories),
          minIdle: Number(draft.minIdle === "" ? "0" : draft.minIdle),
          maxRunners: Number(draft.maxRunners === "" ? "0" : draft.maxRunners),
          ...(draft.prewarmMaxIdle.trim() === ""
            ? {}
            : { prewarmMaxIdle: Number(draft.prewarmMaxIdle) }),
          image: draft.image.trim(),
          cpu: draft.cpu.trim(),
          memory: draft.memory.trim(),
          registryCredentialId: draft.registryCredentialId,
        },
        updateMask: changes,
      });
      return;
    }
    create.mutate({
      workspaceId,
      name: draft.name,
      spec:
        draft.source === "offering"
          ? { case: "runnerOfferingId", value: draft.offeringId }
          : {
              case: "custom",
              value: {
                image: draft.image.trim(),
                cpu: draft.cpu.trim(),
                memory: draft.memory.trim(),
                registryCredentialId: draft.registryCredentialId,
              },
            },
      labels: splitList(draft.labels),
      repositories: splitList(draft.repositories),
      minIdle: Number(draft.minIdle === "" ? "0" : draft.minIdle),
      ...(draft.maxRunners.trim() === "" ? {} : { maxRunners: Number(draft.maxRunners) }),
      ...(draft.prewarmMaxIdle.trim() === ""
        ? {}
        : { prewarmMaxIdle: Number(draft.prewarmMaxIdle) }),
      installationId: draft.installationId === "" ? 0n : BigInt(draft.installationId),
    });
  };

  const activeInstallations = installations.data?.installations.filter(
    (i) => i.state !== "deleted",
  );
  const title = editing === undefined ? "New runner" : `Edit ${editing.name}`;
  // What an edit cannot change is shown, read-only, so the form reads the same.
  const fixed = editing !== undefined;
  return (
    <>
      <PageHeader title={title} />
      <form className="form" onSubmit={submit} noValidate aria-label={title}>
        <Field
          id="runner-name"
          label="Name"
          error={errors.name}
          help={
            fixed
              ? "The runs-on label; it cannot change (create another runner instead)."
              : "The runs-on label jobs use to pick this runner, e.g. hangar-4cpu."
          }
        >
          {(aria) => (
            <input
              {...aria}
              value={draft.name}
              onChange={set("name")}
              maxLength={63}
              readOnly={fixed}
            />
          )}
        </Field>
        <fieldset disabled={fixed}>
          <legend>Image and size</legend>
          <label className="inline">
            <input
              type="radio"
              name="source"
              checked={draft.source === "offering"}
              onChange={() => {
                setDraft({ ...draft, source: "offering" });
              }}
            />
            From an offering
          </label>
          <label className="inline">
            <input
              type="radio"
              name="source"
              checked={draft.source === "custom"}
              onChange={() => {
                setDraft({ ...draft, source: "custom" });
              }}
            />
            Custom image
          </label>
        </fieldset>
        {draft.source === "offering" ? (
          <Field id="runner-offeringId" label="Offering" error={errors.offeringId}>
            {(aria) => (
              <select
                {...aria}
                value={draft.offeringId}
                onChange={set("offeringId")}
                disabled={fixed}
              >
                <option value="">Choose…</option>
                {offerings.data?.offerings.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name} — {o.cpu} CPU, {o.memory}
                    {o.gpuCount > 0 ? `, ${o.gpuCount}× ${o.gpuType}` : ""}
                    {o.spot ? ", spot" : ""} · {o.pricePerMinute} {o.currency}/min
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : (
          <div className="field-group">
            <Field
              id="runner-image"
              label="Image"
              error={errors.image}
              help="Must contain the GitHub Actions runner."
            >
              {(aria) => (
                <input
                  {...aria}
                  value={draft.image}
                  onChange={set("image")}
                  placeholder="ghcr.io/acme/runner:1.2"
                />
              )}
            </Field>
            <Field id="runner-cpu" label="CPU" error={errors.cpu}>
              {(aria) => (
                <input {...aria} value={draft.cpu} onChange={set("cpu")} placeholder="2" />
              )}
            </Field>
            <Field id="runner-memory" label="Memory" error={errors.memory}>
              {(aria) => (
                <input {...aria} value={draft.memory} onChange={set("memory")} placeholder="4Gi" />
              )}
            </Field>
            <Field
              id="runner-registryCredentialId"
              label="Registry credential"
              help="For private images only."
            >
              {(aria) => (
                <select
                  {...aria}
                  value={draft.registryCredentialId}
                  onChange={set("registryCredentialId")}
                >
                  <option value="">None (public image)</option>
                  {credentials.data?.credentials.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name} ({c.registryHost})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        )}
        <Field
          id="runner-labels"
          label="Extra labels"
          error={errors.labels}
          help="Besides the name; separated by commas."
        >
          {(aria) => (
            <input
              {...aria}
              value={draft.labels}
              onChange={set("labels")}
              placeholder="linux, x64"
            />
          )}
        </Field>
        <Field
          id="runner-repositories"
          label="Repositories"
          error={errors.repositories}
          help="owner/name, one per line. Empty: every repository of the installation."
        >
          {(aria) => (
            <textarea
              {...aria}
              rows={3}
              value={draft.repositories}
              onChange={set("repositories")}
            />
          )}
        </Field>
        <div className="field-group">
          <Field
            id="runner-minIdle"
            label="Minimum idle"
            error={errors.minIdle}
            help="Kept warm to cut queue time."
          >
            {(aria) => (
              <input
                {...aria}
                inputMode="numeric"
                value={draft.minIdle}
                onChange={set("minIdle")}
              />
            )}
          </Field>
          <Field
            id="runner-maxRunners"
            label="Maximum runners"
            error={errors.maxRunners}
            help="Empty: the plan's default."
          >
            {(aria) => (
              <input
                {...aria}
                inputMode="numeric"
                value={draft.maxRunners}
                onChange={set("maxRunners")}
              />
            )}
          </Field>
        </div>
        <Field
          id="runner-prewarmMaxIdle"
          label="Pre-warm up to"
          error={errors.prewarmMaxIdle}
          help="Idle runners kept, on top of the minimum, for the jobs the repositories' workflow files define. Empty: no pre-warming."
        >
          {(aria) => (
            <input
              {...aria}
              inputMode="numeric"
              value={draft.prewarmMaxIdle}
              onChange={set("prewarmMaxIdle")}
            />
          )}
        </Field>
        {!fixed && activeInstallations !== undefined && activeInstallations.length > 1 && (
          <Field id="runner-installationId" label="GitHub installation">
            {(aria) => (
              <select {...aria} value={draft.installationId} onChange={set("installationId")}>
                <option value="">Choose…</option>
                {activeInstallations.map((i) => (
                  <option key={i.installationId.toString()} value={i.installationId.toString()}>
                    {i.accountLogin}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {mutation.isError && (
          <p className="field-error" role="alert">
            {errorMessage(mutation.error)}
          </p>
        )}
        <div className="form-actions">
          <button
            type="button"
            onClick={() => {
              navigate(editing === undefined ? `${base}/runners` : `${base}/runners/${editing.id}`);
            }}
          >
            Cancel
          </button>
          {editing === undefined ? (
            <button type="submit" className="primary" disabled={create.isPending}>
              {create.isPending ? "Creating…" : "Create runner"}
            </button>
          ) : (
            <button
              type="submit"
              className="primary"
              disabled={update.isPending || changes.length === 0}
            >
              {update.isPending ? "Saving…" : "Save changes"}
            </button>
          )}
        </div>
      </form>
    </>
  );
}
