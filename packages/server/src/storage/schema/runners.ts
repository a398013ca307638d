import type { Generated, GeneratedAlways } from "kysely";
import type { Timestamp, CreatedAt, UpdatedAt, Int8, Numeric } from "./columns.js";

// The offering catalog, registry credentials, runner configurations and instances.

export interface RunnerOfferingsTable {
  id: string;
  name: string;
  cpu: string;
  memory: string;
  cpu_millis: GeneratedAlways<number>;
  memory_mib: GeneratedAlways<number>;
  gpu_count: Generated<number>;
  gpu_type: string | null;
  arch: Generated<"amd64" | "arm64">;
  spot: Generated<boolean>;
  image_repository: string;
  image_tag: string;
  is_autoscale: Generated<boolean>;
  /** Null follows `spot`. */
  rerun_on_preemption: boolean | null;
  price_per_minute: Numeric;
  currency: Generated<string>;
  retired_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface RunnerOfferingPricesTable {
  offering_id: string;
  effective_from: Timestamp;
  price_per_minute: Numeric;
  currency: string;
  created_at: CreatedAt;
}

export interface RegistryCredentialsTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  kind: "gcp" | "aws" | "basic";
  registry_host: string;
  encrypted_secret: Buffer;
  encryption_key_id: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  deleted_at: Timestamp | null;
}

/** Matches hangar.v1.Runner.status. */
export type RunnerStatus = "provisioning" | "active" | "suspended" | "deleting" | "error";

export interface RunnersTable {
  id: Generated<string>;
  workspace_id: string;
  project_id: string;
  installation_id: Int8;
  name: string;
  labels: Generated<string[]>;
  offering_id: string | null;
  image: string | null;
  cpu: string;
  memory: string;
  cpu_millis: GeneratedAlways<number>;
  memory_mib: GeneratedAlways<number>;
  is_custom: GeneratedAlways<boolean>;
  registry_credential_id: string | null;
  repositories: Generated<string[]>;
  min_idle: Generated<number>;
  max_runners: number;
  /** Null: no pre-warming from workflow-file analysis. */
  prewarm_max_idle: number | null;
  namespace: string;
  status: Generated<RunnerStatus>;
  status_message: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  deleted_at: Timestamp | null;
}

export type RunnerInstanceState =
  "pending" | "registering" | "idle" | "busy" | "terminating" | "terminated" | "failed";

export interface RunnerInstancesTable {
  id: Generated<string>;
  runner_id: string;
  workspace_id: string;
  name: string;
  labels: string[];
  github_runner_id: Int8 | null;
  pod_name: string | null;
  node_name: string | null;
  state: Generated<RunnerInstanceState>;
  failure_reason: string | null;
  disruption: string | null;
  github_job_id: Int8 | null;
  created_at: CreatedAt;
  registered_at: Timestamp | null;
  job_started_at: Timestamp | null;
  terminated_at: Timestamp | null;
  updated_at: UpdatedAt;
  boot_seconds: GeneratedAlways<number | null>;
  lifetime_seconds: GeneratedAlways<number | null>;
}
