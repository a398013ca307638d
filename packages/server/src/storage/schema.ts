import type {
  AuditLogTable,
  RelationTuplesTable,
  SignalOutboxTable,
  WebhookDeliveriesTable,
} from "./schema/intake.js";
import type {
  JobsTable,
  UsageDailyTable,
  UsageEventsTable,
  WorkflowRunsTable,
} from "./schema/jobs.js";
import type { RunnerInfraDailyTable, RunnerInfraUsageTable } from "./schema/runner-infra.js";
import type { UsageRollupPendingTable } from "./schema/usage-rollup.js";
import type {
  RegistryCredentialsTable,
  RunnerInstancesTable,
  RunnerOfferingPricesTable,
  RunnerOfferingsTable,
  RunnersTable,
} from "./schema/runners.js";
import type {
  ApiTokensTable,
  GithubInstallationsTable,
  MembersTable,
  ProjectsTable,
  RepositoriesTable,
  UsersTable,
  WorkspacesTable,
} from "./schema/tenancy.js";

/**
 * Kysely's view of the tables that migrations/*.sql create. Hand-written: the table
 * interfaces live in schema/ by concept, schema-columns.ts ties each of their columns to
 * a PostgreSQL type, and schema.test.ts ties that to the migrated database.
 */
export interface Database {
  workspaces: WorkspacesTable;
  users: UsersTable;
  members: MembersTable;
  projects: ProjectsTable;
  api_tokens: ApiTokensTable;
  github_installations: GithubInstallationsTable;
  repositories: RepositoriesTable;
  runner_offerings: RunnerOfferingsTable;
  runner_offering_prices: RunnerOfferingPricesTable;
  registry_credentials: RegistryCredentialsTable;
  runners: RunnersTable;
  runner_instances: RunnerInstancesTable;
  workflow_runs: WorkflowRunsTable;
  jobs: JobsTable;
  usage_events: UsageEventsTable;
  usage_daily: UsageDailyTable;
  usage_rollup_pending: UsageRollupPendingTable;
  runner_infra_usage: RunnerInfraUsageTable;
  runner_infra_daily: RunnerInfraDailyTable;
  webhook_deliveries: WebhookDeliveriesTable;
  signal_outbox: SignalOutboxTable;
  audit_log: AuditLogTable;
  relation_tuples: RelationTuplesTable;
}
