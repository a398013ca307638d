import { useState } from "react";
import { useQuery } from "@connectrpc/connect-query";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { JobService } from "@hangar/api/job_service_pb.js";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import { useWorkspace } from "../workspace.js";
import { POLL_MS } from "../metrics.js";
import { navigate, useLocation } from "../router.js";
import { JobsTable } from "../components/jobs-table.js";
import { Empty, ErrorState, Loading, PageHeader } from "../components/states.js";

const statuses = ["queued", "waiting", "in_progress", "completed"];
const conclusions = ["success", "failure", "cancelled", "timed_out", "skipped"];
const periods: Record<string, { label: string; ms: number }> = {
  "1h": { label: "Last hour", ms: 3_600_000 },
  "24h": { label: "Last 24 hours", ms: 86_400_000 },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000 },
};

// Filters live in the query string, so a filtered view is a link people can share.
export function JobsPage() {
  const { workspace } = useWorkspace();
  const { path, query } = useLocation();
  const filter = {
    repository: query.get("repository") ?? "",
    runner: query.get("runner") ?? "",
    status: query.get("status") ?? "",
    conclusion: query.get("conclusion") ?? "",
    since: query.get("since") ?? "",
    page: query.get("page") ?? "",
  };
  const [repository, setRepository] = useState(filter.repository);
  const update = (changes: Partial<typeof filter>): void => {
    const params = new URLSearchParams();
    // Any filter change starts again from the newest page.
    for (const [key, value] of Object.entries({ ...filter, page: "", ...changes })) {
      if (value !== "") params.set(key, value);
    }
    const search = params.toString();
    navigate(search === "" ? path : `${path}?${search}`, { replace: true });
  };

  const period = periods[filter.since];
  // Rounded to the minute so the query key, and the cache, stay put between renders.
  const startMs =
    period === undefined ? undefined : Math.floor((Date.now() - period.ms) / 60_000) * 60_000;
  const runners = useQuery(RunnerService.method.listRunners, {
    workspaceId: workspace.id,
    pageSize: 500,
  });
  const jobs = useQuery(
    JobService.method.listJobs,
    {
      workspaceId: workspace.id,
      repository: filter.repository,
      runnerId: filter.runner,
      status: filter.status,
      conclusion: filter.conclusion,
      ...(startMs === undefined ? {} : { startTime: timestampFromDate(new Date(startMs)) }),
      pageSize: 50,
      pageToken: filter.page,
    },
    { refetchInterval: POLL_MS, placeholderData: (previous) => previous },
  );
  const filtered = Object.entries(filter).some(([key, value]) => key !== "page" && value !== "");

  return (
    <>
      <PageHeader title="Jobs" />
      <form
        className="filters"
        aria-label="Filter jobs"
        onSubmit={(event) => {
          event.preventDefault();
          update({ repository: repository.trim() });
        }}
      >
        <label>
          Repository
          <input
            name="repository"
            placeholder="owner/name"
            value={repository}
            onChange={(e) => {
              setRepository(e.target.value);
            }}
            onBlur={() => {
              if (repository.trim() !== filter.repository)
                update({ repository: repository.trim() });
            }}
          />
        </label>
        <label>
          Runner
          <select
            name="runner"
            value={filter.runner}
            onChange={(e) => {
              update({ runner: e.target.value });
            }}
          >
            <option value="">Any</option>
            {runners.data?.runners.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select
            name="status"
            value={filter.status}
            onChange={(e) => {
              update({ status: e.target.value });
            }}
          >
            <option value="">Any</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label>
          Conclusion
          <select
            name="conclusion"
            value={filter.conclusion}
            onChange={(e) => {
              update({ conclusion: e.target.value });
            }}
          >
            <option value="">Any</option>
            {conclusions.map((c) => (
              <option key={c} value={c}>
                {c.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label>
          Created
          <select
            name="since"
            value={filter.since}
            onChange={(e) => {
              update({ since: e.target.value });
            }}
          >
            <option value="">Any time</option>
            {Object.entries(periods).map(([key, p]) => (
              <option key={key} value={key}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
        {filtered && (
          <button
            type="button"
            onClick={() => {
              setRepository("");
              navigate(path, { replace: true });
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      {jobs.isPending ? (
        <Loading what="jobs" />
      ) : jobs.isError ? (
        <ErrorState error={jobs.error} />
      ) : jobs.data.jobs.length === 0 ? (
        <Empty title={filtered ? "No job matches these filters" : "No jobs yet"}>
          {filtered
            ? "Try a wider time range or clear a filter."
            : "Jobs appear here as soon as GitHub queues one that asks for a Hangar runner."}
        </Empty>
      ) : (
        <>
          <JobsTable jobs={jobs.data.jobs} label="Jobs" />
          <div className="pager">
            {filter.page !== "" && (
              <button
                type="button"
                onClick={() => {
                  update({ page: "" });
                }}
              >
                Newest jobs
              </button>
            )}
            {jobs.data.nextPageToken !== "" && (
              <button
                type="button"
                onClick={() => {
                  update({ page: jobs.data.nextPageToken });
                }}
              >
                Older jobs
              </button>
            )}
          </div>
        </>
      )}
    </>
  );
}
