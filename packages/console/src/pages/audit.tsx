import { useState } from "react";
import { useQuery } from "@connectrpc/connect-query";
import { WorkspaceService, type AuditEvent } from "@hangar/api/workspace_service_pb.js";
import { useWorkspace } from "../workspace.js";
import { formatTime } from "../format.js";
import { navigate, useLocation } from "../router.js";
import { Empty, ErrorState, Loading, PageHeader } from "../components/states.js";

const objectTypes = [
  "runner",
  "project",
  "api_token",
  "member",
  "installation",
  "registry_credential",
];

function pretty(json: string): string {
  if (json === "") return "—";
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

function EventRow({ event }: { event: AuditEvent }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr>
        <td>{formatTime(event.time)}</td>
        <td>
          <code>{event.actor}</code>
        </td>
        <td>{event.action}</td>
        <td>
          {event.objectType} <code>{event.objectId}</code>
        </td>
        <td>
          <button
            type="button"
            aria-expanded={open}
            onClick={() => {
              setOpen(!open);
            }}
          >
            {open ? "Hide change" : "Show change"}
          </button>
        </td>
      </tr>
      {open && (
        <tr className="detail-row">
          <td colSpan={5}>
            <div className="two-columns">
              <div>
                <h3>Before</h3>
                <pre>{pretty(event.beforeJson)}</pre>
              </div>
              <div>
                <h3>After</h3>
                <pre>{pretty(event.afterJson)}</pre>
              </div>
            </div>
          </td>
        </tr>
      )}
    </>
  );
}

export function AuditPage() {
  const { workspace } = useWorkspace();
  const { path, query } = useLocation();
  const objectType = query.get("type") ?? "";
  const actor = query.get("actor") ?? "";
  const [actorText, setActorText] = useState(actor);
  const update = (type: string, who: string): void => {
    const params = new URLSearchParams();
    if (type !== "") params.set("type", type);
    if (who !== "") params.set("actor", who);
    navigate(params.size === 0 ? path : `${path}?${params.toString()}`, { replace: true });
  };
  const events = useQuery(WorkspaceService.method.listAuditEvents, {
    workspaceId: workspace.id,
    objectType,
    actor,
    pageSize: 100,
  });
  return (
    <>
      <PageHeader title="Audit log" />
      <form
        className="filters"
        aria-label="Filter events"
        onSubmit={(e) => {
          e.preventDefault();
          update(objectType, actorText.trim());
        }}
      >
        <label>
          Object
          <select
            value={objectType}
            onChange={(e) => {
              update(e.target.value, actor);
            }}
          >
            <option value="">Any</option>
            {objectTypes.map((t) => (
              <option key={t} value={t}>
                {t.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label>
          Actor
          <input
            value={actorText}
            placeholder="user:… or token:…"
            onChange={(e) => {
              setActorText(e.target.value);
            }}
          />
        </label>
        <button type="submit">Apply</button>
      </form>
      {events.isPending ? (
        <Loading what="audit events" />
      ) : events.isError ? (
        <ErrorState error={events.error} />
      ) : events.data.events.length === 0 ? (
        <Empty title="No events">
          Changes made through the API and by Hangar itself are recorded here.
        </Empty>
      ) : (
        <table aria-label="Audit events">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Did</th>
              <th scope="col">To</th>
              <th scope="col">
                <span className="visually-hidden">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {events.data.events.map((event) => (
              <EventRow key={event.id.toString()} event={event} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
