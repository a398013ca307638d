-- Tenancy: workspaces (tenants), their projects, people and API tokens.
--
-- Conventions for every migration:
--   * timestamptz everywhere; GitHub's own times are kept verbatim in github_* columns.
--   * updated_at is maintained by the set_updated_at trigger, never by queries, so no
--     writer can forget it. A no-op UPDATE (say, a repeated upsert) leaves it alone.
--   * Configuration rows are soft-deleted (deleted_at) and cascade from their workspace;
--     history (jobs, runner instances, usage, audit) is never cascaded away: its foreign
--     keys are ON DELETE RESTRICT, or absent where the record must outlive its subject.
--   * GitHub's numeric ids are bigint and serve as keys of the rows mirroring GitHub
--     objects: they are the idempotency keys of the webhooks that write those rows.

-- Trigger arguments name the table's generated columns: a BEFORE trigger sees them as
-- NULL in NEW, so they are left out when deciding whether the row really changed.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_NARGS = 0 THEN
    IF NEW IS DISTINCT FROM OLD THEN
      NEW.updated_at := now();
    END IF;
  ELSIF to_jsonb(NEW) - TG_ARGV IS DISTINCT FROM to_jsonb(OLD) - TG_ARGV THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END;
$$;

CREATE TABLE workspaces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Used in URLs and CLI arguments.
  slug text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- The Kubernetes namespace of the workspace's runners. Unique even among deleted
  -- workspaces: a namespace being torn down must not be handed to a new tenant.
  namespace text NOT NULL UNIQUE CHECK (namespace ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  plan text NOT NULL DEFAULT 'default',
  -- Plan limits, rendered into the namespace's ResourceQuota. The defaults are a
  -- small plan; operators set real values when creating the workspace.
  max_cpu_millis integer NOT NULL DEFAULT 32000 CHECK (max_cpu_millis >= 0),
  max_memory_mib integer NOT NULL DEFAULT 131072 CHECK (max_memory_mib >= 0),
  max_gpus integer NOT NULL DEFAULT 0 CHECK (max_gpus >= 0),
  -- Concurrent runner instances across the workspace; also the default max_runners
  -- of a new runner configuration.
  max_runners integer NOT NULL DEFAULT 20 CHECK (max_runners >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX workspaces_slug_key ON workspaces (slug) WHERE deleted_at IS NULL;
CREATE TRIGGER workspaces_set_updated_at BEFORE UPDATE ON workspaces
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text CHECK (email LIKE '%_@_%'),
  github_user_id bigint UNIQUE,
  github_login text,
  display_name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- A user must be reachable through at least one identity.
  CONSTRAINT users_has_identity CHECK (email IS NOT NULL OR github_user_id IS NOT NULL)
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Membership as people see it. Authorization itself is answered from relation_tuples,
-- which the same transaction writes.
CREATE TABLE members (
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX members_user_id_idx ON members (user_id);
CREATE TRIGGER members_set_updated_at BEFORE UPDATE ON members
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE projects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- Where runners go when a request names no project (InstallRunners).
  is_default boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  -- Target of composite foreign keys (project_id, workspace_id): a row of one tenant
  -- can never point at another tenant's project.
  CONSTRAINT projects_id_workspace_id_key UNIQUE (id, workspace_id),
  CONSTRAINT projects_default_not_deleted CHECK (NOT (is_default AND deleted_at IS NOT NULL))
);
CREATE UNIQUE INDEX projects_workspace_id_name_key ON projects (workspace_id, name)
  WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX projects_one_default_per_workspace ON projects (workspace_id) WHERE is_default;
CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON projects
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- The start of the token as shown to people ("hgr_3kf9..."), so they can tell tokens
  -- apart and secret scanners can recognise them; useless for authenticating.
  prefix text NOT NULL CHECK (length(prefix) BETWEEN 4 AND 32),
  -- SHA-256 of the whole token. Tokens are long random strings, so a fast hash is
  -- enough and lookup by hash stays an index probe.
  secret_hash bytea NOT NULL UNIQUE CHECK (octet_length(secret_hash) = 32),
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  created_by uuid REFERENCES users ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  -- Written on use, so deliberately no updated_at (and no trigger) on this table.
  last_used_at timestamptz,
  CONSTRAINT api_tokens_expires_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX api_tokens_workspace_id_idx ON api_tokens (workspace_id);
