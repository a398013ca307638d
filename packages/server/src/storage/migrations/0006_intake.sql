-- Webhook intake: delivery records (dedupe) and the outbox of Temporal signals.

CREATE TABLE webhook_deliveries (
  -- X-GitHub-Delivery, the same on redelivery: the primary key is the dedupe.
  -- Only deliveries whose signature verified are recorded. A failed verification stores
  -- nothing, or anyone could claim a GUID and have the genuine delivery dropped as a
  -- duplicate (and fill the table); rejections are counted in metrics instead.
  delivery_guid text PRIMARY KEY CHECK (length(delivery_guid) BETWEEN 1 AND 100),
  event text NOT NULL,
  action text,
  -- No foreign key: an installation's "created" event arrives before its row exists.
  installation_id bigint,
  hook_id bigint,
  -- X-GitHub-Hook-Installation-Target-Type / -ID.
  target_type text,
  target_id bigint,
  payload_bytes integer NOT NULL CHECK (payload_bytes >= 0),
  -- NULL when not kept (ignored events, or pruned); routing uses the outbox, not this.
  payload jsonb,
  status text NOT NULL DEFAULT 'received'
    CHECK (status IN ('received', 'routed', 'ignored', 'failed')),
  status_reason text,
  received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz
);
-- Retention: dedupe must hold for GitHub's 3-day redelivery window, then rows go.
CREATE INDEX webhook_deliveries_received_at_idx ON webhook_deliveries (received_at);
CREATE INDEX webhook_deliveries_failed_idx ON webhook_deliveries (received_at)
  WHERE status = 'failed';

-- Signals for Temporal, written in the transaction that records the delivery so that a
-- crash between "recorded" and "signalled" loses nothing; a relay sends them.
CREATE TABLE signal_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- NULL for signals not caused by a delivery (reconcilers).
  delivery_guid text REFERENCES webhook_deliveries ON DELETE CASCADE,
  workflow_id text NOT NULL,
  workflow_type text NOT NULL,
  signal_name text NOT NULL,
  payload jsonb NOT NULL,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- A retried intake transaction cannot enqueue the same signal twice.
  CONSTRAINT signal_outbox_delivery_signal_key UNIQUE (delivery_guid, workflow_id, signal_name)
);
CREATE INDEX signal_outbox_unsent_idx ON signal_outbox (next_attempt_at) WHERE sent_at IS NULL;
