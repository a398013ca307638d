-- The audit trail and the relation tuples that authorization is answered from.

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  -- "user:<uuid>", "token:<uuid>" or "system:<role>".
  actor text NOT NULL,
  -- Deliberately no foreign keys: the record must outlive the workspace and objects it
  -- describes, and must never block (or be removed by) their deletion.
  workspace_id uuid,
  object_type text NOT NULL,
  object_id text NOT NULL,
  action text NOT NULL,
  before jsonb,
  after jsonb,
  request_id text
);
CREATE INDEX audit_log_workspace_at_idx ON audit_log (workspace_id, at);
CREATE INDEX audit_log_object_at_idx ON audit_log (object_type, object_id, at);

-- Append-only: retention may delete old rows, nothing may rewrite one.
CREATE FUNCTION audit_log_forbid_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log rows cannot be changed'
    USING ERRCODE = 'insufficient_privilege', TABLE = 'audit_log';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_forbid_update();

-- Zanzibar-style tuples: namespace:object#relation@subject, where the subject is either
-- a plain id or a subject set (namespace:object#relation), e.g.
--   runner:<id>#parent@project:<id>#...   workspace:<id>#admin@user:<id>
CREATE TABLE relation_tuples (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  namespace text NOT NULL,
  object text NOT NULL,
  relation text NOT NULL,
  subject_id text,
  subject_set_namespace text,
  subject_set_object text,
  -- May be '' (the whole object, as Keto writes it), never NULL within a subject set.
  subject_set_relation text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT relation_tuples_one_subject_form CHECK (
    (subject_id IS NOT NULL AND num_nonnulls(
      subject_set_namespace, subject_set_object, subject_set_relation) = 0)
    OR (subject_id IS NULL AND num_nonnulls(
      subject_set_namespace, subject_set_object, subject_set_relation) = 3)
  ),
  -- NULLS NOT DISTINCT: the unused subject form is all NULLs, which a plain UNIQUE would
  -- treat as distinct and so accept duplicates.
  CONSTRAINT relation_tuples_key UNIQUE NULLS NOT DISTINCT (namespace, object, relation,
    subject_id, subject_set_namespace, subject_set_object, subject_set_relation)
);
-- check() walks object#relation -> subjects via relation_tuples_key's leading columns;
-- these serve the reverse lookups (what can this subject reach?).
CREATE INDEX relation_tuples_subject_id_idx ON relation_tuples (subject_id, namespace, relation)
  WHERE subject_id IS NOT NULL;
CREATE INDEX relation_tuples_subject_set_idx
  ON relation_tuples (subject_set_namespace, subject_set_object, subject_set_relation)
  WHERE subject_id IS NULL;
