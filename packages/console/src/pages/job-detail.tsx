import { useQuery } from "@connectrpc/connect-query";
import { JobService, type Job, type JobTimelineEntry } from "@hangar/api/job_service_pb.js";
import { useWorkspace } from "../workspace.js";
import { POLL_MS } from "../metrics.js";
import { formatDuration, formatMs, formatTime, toDate } from "../format.js";
import { Link } from "../router.js";
import { Badge, Empty, ErrorState, Loading, PageHeader } from "../components/states.js";

/** Links into GitHub, from the job's own URL so that GitHub Enterprise hosts work too. */
function githubLinks(job: Job): { label: string; href: string }[] {
  if (job.htmlUrl === "") return [];
  const origin = new URL(job.htmlUrl).origin;
  const repo = `${origin}/${job.repository}`;
  return [
    { label: "Job on GitHub", href: job.htmlUrl },
    { label: "Workflow run", href: `${repo}/actions/runs/${job.runId}` },
    { label: "Commit", href: `${repo}/commit/${job.headSha}` },
    { label: "Repository", href: repo },
  ];
}

function Phases({ job }: { job: Job }) {
  const created = toDate(job.createTime)?.getTime();
  const started = toDate(job.startTime)?.getTime();
  const completed = toDate(job.completeTime)?.getTime();
  if (created === undefined) return null;
  const end = completed ?? Date.now();
  const total = Math.max(end - created, 1);
  const queued = (started ?? end) - created;
  const running = started === undefined ? 0 : end - started;
  return (
    <div className="phases" aria-label="Time spent in each phase">
      <div className="phase-bar">
        <span className="phase queued" style={{ width: `${(queued / total) * 100}%` }} />
        <span className="phase running" style={{ width: `${(running / total) * 100}%` }} />
      </div>
      <div className="phase-legend">
        <span>
          <i className="swatch queued" /> Waiting for a runner: {formatMs(queued)}
          {started === undefined && completed === undefined ? " so far" : ""}
        </span>
        <span>
          <i className="swatch running" /> Running:{" "}
          {started === undefined ? "—" : formatMs(running)}
          {started !== undefined && completed === undefined ? " so far" : ""}
        </span>
      </div>
    </div>
  );
}

function Timeline({ entries }: { entries: JobTimelineEntry[] }) {
  const first = toDate(entries[0]?.time)?.getTime();
  return (
    <ol className="timeline" aria-label="Timeline">
      {entries.map((entry, i) => {
        const at = toDate(entry.time)?.getTime();
        return (
          <li key={i} className={`step ${entry.kind}`}>
            <span className="step-kind">{entry.kind.replaceAll("_", " ")}</span>
            <time>{formatTime(entry.time)}</time>
            {first !== undefined && at !== undefined && i > 0 && (
              <span className="muted"> +{formatMs(at - first)}</span>
            )}
            {entry.detail !== "" && <div className="step-detail">{entry.detail}</div>}
          </li>
        );
      })}
    </ol>
  );
}

export function JobDetailPage({ id }: { id: string }) {
  const { base } = useWorkspace();
  const valid = /^\d+$/.test(id);
  const result = useQuery(
    JobService.method.getJob,
    { id: valid ? BigInt(id) : 0n },
    {
      enabled: valid,
      // A finished job changes no more.
      refetchInterval: (query) => (query.state.data?.job?.status === "completed" ? false : POLL_MS),
    },
  );
  if (!valid) return <Empty title="Job not found">“{id}” is not a job id.</Empty>;
  if (result.isPending) return <Loading what="job" />;
  if (result.isError) return <ErrorState error={result.error} />;
  const job = result.data.job;
  if (job === undefined) return <Empty title="Job not found" />;

  const facts: [string, React.ReactNode][] = [
    ["Status", <Badge key="s" value={job.status} />],
    ["Conclusion", <Badge key="c" value={job.conclusion} />],
    ["Repository", job.repository],
    ["Workflow", job.workflowName],
    ["Branch", `${job.headBranch} @ ${job.headSha.slice(0, 7)}`],
    ["Labels", job.labels.join(", ")],
    [
      "Runner",
      job.runnerId === "" ? (
        job.runnerName || "—"
      ) : (
        <Link key="r" href={`${base}/runners/${job.runnerId}`}>
          {job.runnerName || "its runner configuration"}
        </Link>
      ),
    ],
    ["Queue time", formatDuration(job.queueDuration)],
    ["Run time", formatDuration(job.runDuration)],
    ["Attempt", String(job.runAttempt)],
  ];
  return (
    <>
      <PageHeader
        title={
          <>
            <Link href={`${base}/jobs`}>Jobs</Link> / {job.name}
          </>
        }
      >
        {githubLinks(job).map((link) => (
          <a key={link.label} className="button" href={link.href} target="_blank" rel="noreferrer">
            {link.label} ↗
          </a>
        ))}
      </PageHeader>
      <Phases job={job} />
      <div className="two-columns">
        <dl className="facts">
          {facts.map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
        <section aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          {result.data.timeline.length === 0 ? (
            <p className="muted">No events recorded yet.</p>
          ) : (
            <Timeline entries={result.data.timeline} />
          )}
        </section>
      </div>
    </>
  );
}
