-- Outbox hardening: dead letters, and indexes that let the relay claim each workflow's
-- oldest pending signal without reading the sent history.

-- A signal Temporal keeps refusing for a reason other than unavailability is set aside
-- (dead_lettered_at) after a configured number of such refusals (permanent_failures),
-- so that its workflow's later signals proceed. It stays unsent and keeps the reason in
-- last_error until an operator requeues it; retention keeps its delivery meanwhile.
ALTER TABLE signal_outbox
  ADD COLUMN permanent_failures integer NOT NULL DEFAULT 0,
  ADD COLUMN dead_lettered_at timestamptz,
  ADD CONSTRAINT signal_outbox_permanent_failures_check
    CHECK (permanent_failures BETWEEN 0 AND attempts),
  ADD CONSTRAINT signal_outbox_dead_letter_unsent
    CHECK (dead_lettered_at IS NULL OR sent_at IS NULL);

-- "Pending" below means neither sent nor dead-lettered.

-- The claim walks pending rows in id order and stops once it has a batch. Keyed on
-- next_attempt_at (the index this replaces), every round read and hashed the whole
-- backlog; with no pending index in id order, the planner walks the primary key
-- through every sent row of the retention window instead.
DROP INDEX signal_outbox_unsent_idx;
CREATE INDEX signal_outbox_pending_idx ON signal_outbox (id)
  WHERE sent_at IS NULL AND dead_lettered_at IS NULL;

-- For each candidate, the claim asks whether an earlier pending row of the same
-- workflow exists: one probe here.
CREATE INDEX signal_outbox_pending_workflow_idx ON signal_outbox (workflow_id, id)
  WHERE sent_at IS NULL AND dead_lettered_at IS NULL;

-- Listing and requeueing dead letters without a scan of the whole outbox.
CREATE INDEX signal_outbox_dead_lettered_idx ON signal_outbox (id)
  WHERE dead_lettered_at IS NOT NULL;
