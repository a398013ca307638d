-- Tracing: the W3C traceparent of the webhook delivery that enqueued a signal, so that
-- the relay (later, maybe in another process) continues the delivery's trace when it
-- sends the signal to Temporal. NULL when tracing was off, or for signals no delivery
-- caused.
ALTER TABLE signal_outbox ADD COLUMN trace_parent text
  CONSTRAINT signal_outbox_trace_parent_length CHECK (length(trace_parent) <= 128);
