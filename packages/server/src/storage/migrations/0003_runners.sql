-- The runner catalog (offerings and their prices), registry credentials, runner
-- configurations and the ephemeral runner instances started from them.

-- Kubernetes quantities as people write them ("500m", "4", "16Gi") turned into integers
-- for quota and scaling maths. Generated columns call these, so the text and integer
-- forms can never disagree. Inputs are validated by CHECKs on the text columns.
CREATE FUNCTION k8s_cpu_millis(quantity text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE
  WHEN quantity LIKE '%m' THEN ceil(left(quantity, -1)::numeric)::integer
  ELSE ceil(quantity::numeric * 1000)::integer
END;

CREATE FUNCTION k8s_memory_mib(quantity text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ceil(
  regexp_replace(quantity, '[A-Za-z]+$', '')::numeric
  * CASE substring(quantity FROM '[A-Za-z]+$')
      WHEN 'Ki' THEN 1024::numeric
      WHEN 'Mi' THEN 1048576::numeric
      WHEN 'Gi' THEN 1073741824::numeric
      WHEN 'Ti' THEN 1099511627776::numeric
      WHEN 'k' THEN 1e3
      WHEN 'M' THEN 1e6
      WHEN 'G' THEN 1e9
      WHEN 'T' THEN 1e12
      ELSE 1::numeric
    END
  / 1048576
)::integer;

CREATE TABLE runner_offerings (
  -- Stable id chosen by the operator ("linux-x64-4cpu").
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  -- Also the default runs-on label of runners made from it, hence the runner-name rules.
  name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  cpu text NOT NULL CHECK (cpu ~ '^[0-9]+(\.[0-9]+)?m?$'),
  memory text NOT NULL CHECK (memory ~ '^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$'),
  cpu_millis integer NOT NULL GENERATED ALWAYS AS (k8s_cpu_millis(cpu)) STORED
    CHECK (cpu_millis > 0),
  memory_mib integer NOT NULL GENERATED ALWAYS AS (k8s_memory_mib(memory)) STORED
    CHECK (memory_mib > 0),
  gpu_count integer NOT NULL DEFAULT 0 CHECK (gpu_count >= 0),
  gpu_type text,
  arch text NOT NULL DEFAULT 'amd64' CHECK (arch IN ('amd64', 'arm64')),
  spot boolean NOT NULL DEFAULT false,
  image_repository text NOT NULL CHECK (image_repository <> ''),
  image_tag text NOT NULL CHECK (image_tag <> ''),
  is_autoscale boolean NOT NULL DEFAULT true,
  -- The list price shown by the API. Billing reads runner_offering_prices, which a
  -- trigger keeps in step with this column.
  price_per_minute numeric(12, 6) NOT NULL CHECK (price_per_minute >= 0),
  currency text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  retired_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT runner_offerings_gpu_type_iff_gpus CHECK ((gpu_count = 0) = (gpu_type IS NULL))
);
CREATE TRIGGER runner_offerings_set_updated_at BEFORE UPDATE ON runner_offerings
  FOR EACH ROW EXECUTE FUNCTION set_updated_at('cpu_millis', 'memory_mib');

-- Prices by effective time: a job is billed at the price in effect when it completed,
-- so a change in mid-month applies from its effective time only. Operators may insert
-- future-dated rows directly.
CREATE TABLE runner_offering_prices (
  offering_id text NOT NULL REFERENCES runner_offerings ON DELETE RESTRICT,
  effective_from timestamptz NOT NULL,
  price_per_minute numeric(12, 6) NOT NULL CHECK (price_per_minute >= 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (offering_id, effective_from)
);

CREATE FUNCTION record_offering_price() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT'
    OR NEW.price_per_minute IS DISTINCT FROM OLD.price_per_minute
    OR NEW.currency IS DISTINCT FROM OLD.currency THEN
    INSERT INTO runner_offering_prices (offering_id, effective_from, price_per_minute, currency)
    VALUES (NEW.id, now(), NEW.price_per_minute, NEW.currency)
    ON CONFLICT (offering_id, effective_from) DO UPDATE
      SET price_per_minute = EXCLUDED.price_per_minute, currency = EXCLUDED.currency;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER runner_offerings_record_price
  AFTER INSERT OR UPDATE OF price_per_minute, currency ON runner_offerings
  FOR EACH ROW EXECUTE FUNCTION record_offering_price();

CREATE TABLE registry_credentials (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind text NOT NULL CHECK (kind IN ('gcp', 'aws', 'basic')),
  -- e.g. "us-docker.pkg.dev", "123456789012.dkr.ecr.eu-west-1.amazonaws.com".
  registry_host text NOT NULL CHECK (registry_host <> ''),
  -- Encrypted by the application before it reaches SQL; the key id names the key that
  -- decrypts it, so keys can rotate. The plaintext is never stored.
  encrypted_secret bytea NOT NULL,
  encryption_key_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  CONSTRAINT registry_credentials_id_workspace_id_key UNIQUE (id, workspace_id)
);
CREATE UNIQUE INDEX registry_credentials_workspace_id_name_key
  ON registry_credentials (workspace_id, name) WHERE deleted_at IS NULL;
CREATE TRIGGER registry_credentials_set_updated_at BEFORE UPDATE ON registry_credentials
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Runner configurations (the API's Runner message).
CREATE TABLE runners (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE CASCADE,
  project_id uuid NOT NULL,
  installation_id bigint NOT NULL,
  -- The runs-on label; also names Kubernetes objects, hence the DNS-label rules.
  name text NOT NULL CHECK (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  -- Labels besides name. GitHub allows 100 labels per runner, name included, and
  -- compares them case-insensitively: they are stored lowercased.
  labels text[] NOT NULL DEFAULT '{}'
    CHECK (cardinality(labels) < 100
      AND array_position(labels, NULL) IS NULL
      AND '' <> ALL (labels)
      AND labels::text = lower(labels::text)),
  offering_id text REFERENCES runner_offerings ON DELETE RESTRICT,
  -- Custom runners only: the image; their size is in cpu/memory like everyone's.
  image text CHECK (image <> ''),
  -- Copied from the offering at creation (as the API describes), so resizing an
  -- offering never silently resizes running configurations.
  cpu text NOT NULL CHECK (cpu ~ '^[0-9]+(\.[0-9]+)?m?$'),
  memory text NOT NULL CHECK (memory ~ '^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$'),
  cpu_millis integer NOT NULL GENERATED ALWAYS AS (k8s_cpu_millis(cpu)) STORED
    CHECK (cpu_millis > 0),
  memory_mib integer NOT NULL GENERATED ALWAYS AS (k8s_memory_mib(memory)) STORED
    CHECK (memory_mib > 0),
  is_custom boolean NOT NULL GENERATED ALWAYS AS (offering_id IS NULL) STORED,
  registry_credential_id uuid,
  -- "owner/name" of repositories allowed to use the runner; empty means all of them.
  repositories text[] NOT NULL DEFAULT '{}' CHECK (array_position(repositories, NULL) IS NULL),
  min_idle integer NOT NULL DEFAULT 0 CHECK (min_idle >= 0),
  -- 10,000 is GitHub's limit of runners per runner group.
  max_runners integer NOT NULL CHECK (max_runners <= 10000),
  namespace text NOT NULL CHECK (namespace ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  status text NOT NULL DEFAULT 'provisioning'
    CHECK (status IN ('provisioning', 'active', 'suspended', 'deleting', 'error')),
  -- The API's status_message: set for "error" and "suspended" only.
  status_message text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Set once the last instance is gone; the row stays for jobs and usage that name it.
  deleted_at timestamptz,
  CONSTRAINT runners_id_workspace_id_key UNIQUE (id, workspace_id),
  CONSTRAINT runners_project_fkey FOREIGN KEY (project_id, workspace_id)
    REFERENCES projects (id, workspace_id),
  CONSTRAINT runners_installation_fkey FOREIGN KEY (installation_id, workspace_id)
    REFERENCES github_installations (installation_id, workspace_id),
  CONSTRAINT runners_registry_credential_fkey FOREIGN KEY (registry_credential_id, workspace_id)
    REFERENCES registry_credentials (id, workspace_id),
  CONSTRAINT runners_offering_xor_custom CHECK (num_nonnulls(offering_id, image) = 1),
  CONSTRAINT runners_credential_only_for_custom
    CHECK (registry_credential_id IS NULL OR image IS NOT NULL),
  CONSTRAINT runners_max_runners_at_least_min_idle CHECK (max_runners >= min_idle),
  CONSTRAINT runners_status_message_only_when_error_or_suspended
    CHECK (status_message IS NULL OR status IN ('error', 'suspended')),
  CONSTRAINT runners_deleted_only_when_deleting CHECK (deleted_at IS NULL OR status = 'deleting')
);
CREATE UNIQUE INDEX runners_workspace_id_name_key ON runners (workspace_id, name)
  WHERE deleted_at IS NULL;
CREATE INDEX runners_workspace_id_created_at_idx ON runners (workspace_id, created_at DESC);
CREATE INDEX runners_installation_id_idx ON runners (installation_id) WHERE deleted_at IS NULL;
CREATE TRIGGER runners_set_updated_at BEFORE UPDATE ON runners
  FOR EACH ROW EXECUTE FUNCTION set_updated_at('cpu_millis', 'memory_mib', 'is_custom');

-- One ephemeral runner (a pod registered just in time with GitHub).
CREATE TABLE runner_instances (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  runner_id uuid NOT NULL,
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE RESTRICT,
  -- Deterministic, so a retried activity finds the runner it already registered (GitHub
  -- answers 409 to a second registration) instead of starting another.
  name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  -- The labels it registered with: demand is counted per label set.
  labels text[] NOT NULL,
  github_runner_id bigint,
  pod_name text,
  node_name text,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN
    ('pending', 'registering', 'idle', 'busy', 'terminating', 'terminated', 'failed')),
  failure_reason text,
  -- workflow_job.id of the job it ran, from the job's in_progress event. No foreign key:
  -- jobs.runner_instance_id is the enforced direction, and the two are written by
  -- different workflows in no guaranteed order.
  github_job_id bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  registered_at timestamptz,
  job_started_at timestamptz,
  terminated_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Infrastructure time, for capacity reports and cost of idle capacity.
  boot_seconds double precision
    GENERATED ALWAYS AS (extract(epoch FROM registered_at - created_at)) STORED,
  lifetime_seconds double precision
    GENERATED ALWAYS AS (extract(epoch FROM terminated_at - created_at)) STORED,
  CONSTRAINT runner_instances_id_workspace_id_key UNIQUE (id, workspace_id),
  CONSTRAINT runner_instances_runner_fkey FOREIGN KEY (runner_id, workspace_id)
    REFERENCES runners (id, workspace_id) ON DELETE RESTRICT,
  CONSTRAINT runner_instances_terminated_has_time
    CHECK (state <> 'terminated' OR terminated_at IS NOT NULL),
  CONSTRAINT runner_instances_failed_has_reason
    CHECK (state <> 'failed' OR failure_reason IS NOT NULL)
);
CREATE INDEX runner_instances_live_idx ON runner_instances (runner_id, state)
  WHERE state NOT IN ('terminated', 'failed');
CREATE INDEX runner_instances_github_runner_id_idx ON runner_instances (github_runner_id);
CREATE INDEX runner_instances_workspace_id_created_at_idx
  ON runner_instances (workspace_id, created_at);
CREATE TRIGGER runner_instances_set_updated_at BEFORE UPDATE ON runner_instances
  FOR EACH ROW EXECUTE FUNCTION set_updated_at('boot_seconds', 'lifetime_seconds');
