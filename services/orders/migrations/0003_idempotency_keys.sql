-- Idempotency-Key records of CreateOrder, scoped to the caller: the request's
-- hash (to spot a reused key with another body) and the first response, to
-- replay it. Written in the transaction that creates the order. Kept at least
-- 24 hours (ORDERS_IDEMPOTENCY_RETENTION_HOURS), then purged in small batches.
CREATE TABLE idempotency_keys (
  caller_id     text NOT NULL,
  key           text NOT NULL,
  request_hash  bytea NOT NULL,
  response      bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (caller_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
