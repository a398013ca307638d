import type { ColumnType, Generated } from "kysely";
import type { Timestamp, CreatedAt, UpdatedAt, Int8, JsonValue } from "./columns.js";

// Tenants, people and tokens; GitHub installations and repositories.

export interface WorkspacesTable {
  id: Generated<string>;
  slug: string;
  name: string;
  namespace: string;
  plan: Generated<string>;
  max_cpu_millis: Generated<number>;
  max_memory_mib: Generated<number>;
  max_gpus: Generated<number>;
  max_runners: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  deleted_at: Timestamp | null;
}

export interface UsersTable {
  id: Generated<string>;
  email: string | null;
  github_user_id: Int8 | null;
  github_login: string | null;
  display_name: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type MemberRole = "owner" | "admin" | "member" | "viewer";

export interface MembersTable {
  workspace_id: string;
  user_id: string;
  role: MemberRole;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ProjectsTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  is_default: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  deleted_at: Timestamp | null;
}

export interface ApiTokensTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  prefix: string;
  secret_hash: Buffer;
  role: MemberRole;
  created_by: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

export interface GithubInstallationsTable {
  installation_id: Int8;
  workspace_id: string | null;
  account_login: string;
  account_id: Int8;
  account_type: "User" | "Organization" | "Enterprise";
  repository_selection: "all" | "selected";
  state: Generated<"active" | "suspended" | "deleted">;
  is_service_enabled: Generated<boolean>;
  suspended_at: Timestamp | null;
  deleted_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface RepositoriesTable {
  github_repository_id: Int8;
  installation_id: Int8;
  full_name: string;
  private: boolean;
  default_branch: string | null;
  archived: Generated<boolean>;
  workflow_labels: Generated<string[]>;
  workflows_scanned_at: Timestamp | null;
  /** The analysed workflow files' jobs by runs-on label set: `{ labels, jobs }[]` (0009). */
  workflow_jobs: ColumnType<JsonValue[], string | undefined, string>;
  removed_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}
