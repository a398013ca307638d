import type { Job } from "@hangar/api/job_service_pb.js";
import { formatAgo, formatDuration } from "../format.js";
import { Link } from "../router.js";
import { useWorkspace } from "../workspace.js";
import { Badge } from "./states.js";

export function JobsTable({ jobs, label }: { jobs: Job[]; label: string }) {
  const { base } = useWorkspace();
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Repository</th>
          <th scope="col">Status</th>
          <th scope="col">Runner</th>
          <th scope="col" className="num">
            Queued
          </th>
          <th scope="col" className="num">
            Ran
          </th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id.toString()} data-job-id={job.id.toString()}>
            <td>
              <Link href={`${base}/jobs/${job.id}`}>{job.name}</Link>
              <div className="muted small">{job.workflowName}</div>
            </td>
            <td>
              {job.repository}
              <div className="muted small">{job.headBranch}</div>
            </td>
            <td>
              <Badge
                value={job.status === "completed" ? job.conclusion || "completed" : job.status}
              />
            </td>
            <td>{job.runnerName || <span className="muted">—</span>}</td>
            <td className="num">{formatDuration(job.queueDuration)}</td>
            <td className="num">{formatDuration(job.runDuration)}</td>
            <td>{formatAgo(job.createTime)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
