import type { SimCommit } from "../webhooks/model.js";
import type { InstallationRecord, JobRecord, RepositoryRecord, RunRecord } from "./records.js";

/**
 * What happened, as the state layer reports it. The delivery layer turns each
 * into a payload at once, so a webhook shows the record as it was at that moment.
 */
export type SimEvent =
  | {
      event: "installation";
      action: "created" | "deleted" | "suspend" | "unsuspend";
      installation: InstallationRecord;
      repositories: RepositoryRecord[];
    }
  | {
      event: "installation_repositories";
      action: "added" | "removed";
      installation: InstallationRecord;
      added: RepositoryRecord[];
      removed: RepositoryRecord[];
    }
  | {
      event: "workflow_job";
      action: "queued" | "waiting" | "in_progress" | "completed";
      job: JobRecord;
    }
  | {
      event: "workflow_run";
      action: "requested" | "in_progress" | "completed";
      run: RunRecord;
    }
  | {
      event: "push";
      repository: RepositoryRecord;
      ref: string;
      before: string;
      after: string;
      commits: SimCommit[];
    };

export type EmitEvent = (event: SimEvent) => void;
