-- The W3C trace context of the event that asked for the payment, so the
-- worker's charge (and the events it writes) continue the order's trace.
ALTER TABLE payments ADD COLUMN trace_context jsonb NOT NULL DEFAULT '{}';
