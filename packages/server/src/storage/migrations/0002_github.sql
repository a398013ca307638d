-- GitHub App installations and the repositories they grant access to.

CREATE TABLE github_installations (
  -- GitHub's installation id (installation.id in webhooks). Hangar needs no id of its
  -- own: every event and API call names the installation by this one.
  installation_id bigint PRIMARY KEY,
  -- NULL until someone links the installation to a workspace (InstallRunners).
  workspace_id uuid REFERENCES workspaces ON DELETE RESTRICT,
  account_login text NOT NULL,
  account_id bigint NOT NULL,
  account_type text NOT NULL CHECK (account_type IN ('User', 'Organization', 'Enterprise')),
  repository_selection text NOT NULL CHECK (repository_selection IN ('all', 'selected')),
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'suspended', 'deleted')),
  is_service_enabled boolean NOT NULL DEFAULT true,
  suspended_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- The API promises suspend_time is set exactly while the installation is suspended.
  CONSTRAINT github_installations_suspended_at_iff_suspended
    CHECK ((state = 'suspended') = (suspended_at IS NOT NULL)),
  CONSTRAINT github_installations_deleted_at_iff_deleted
    CHECK ((state = 'deleted') = (deleted_at IS NOT NULL)),
  -- Target of runners' composite foreign key: a runner registers through an
  -- installation of its own workspace, and an installation cannot be moved to another
  -- workspace while runners use it.
  CONSTRAINT github_installations_installation_id_workspace_id_key
    UNIQUE (installation_id, workspace_id)
);
CREATE INDEX github_installations_workspace_id_idx ON github_installations (workspace_id);
CREATE INDEX github_installations_account_id_idx ON github_installations (account_id);
CREATE TRIGGER github_installations_set_updated_at BEFORE UPDATE ON github_installations
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Writers upsert a repository from the webhook payload that mentions it before writing
-- the jobs or runs that reference it, so event order never breaks a foreign key.
CREATE TABLE repositories (
  github_repository_id bigint PRIMARY KEY,
  installation_id bigint NOT NULL REFERENCES github_installations ON DELETE RESTRICT,
  -- "owner/name"; not unique: names move with renames, transfers and re-creations.
  full_name text NOT NULL CHECK (full_name ~ '^[^/]+/[^/]+$'),
  private boolean NOT NULL,
  -- Unknown until synced: installation_repositories payloads do not carry it.
  default_branch text,
  archived boolean NOT NULL DEFAULT false,
  -- runs-on labels found in the repository's workflow files, lowercased because GitHub
  -- compares labels case-insensitively.
  workflow_labels text[] NOT NULL DEFAULT '{}'
    CHECK (array_position(workflow_labels, NULL) IS NULL
      AND workflow_labels::text = lower(workflow_labels::text)),
  workflows_scanned_at timestamptz,
  -- Set when the installation lost access; the row stays for the history that names it.
  removed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repositories_installation_id_idx ON repositories (installation_id)
  WHERE removed_at IS NULL;
CREATE INDEX repositories_full_name_idx ON repositories (lower(full_name));
CREATE TRIGGER repositories_set_updated_at BEFORE UPDATE ON repositories
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
