-- Events waiting to be published. Written in the same transaction as the
-- state change they describe; the relay publishes them in id order.
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  event_id      uuid NOT NULL UNIQUE,
  topic         text NOT NULL,
  message_key   text NOT NULL,
  event_type    text NOT NULL,
  payload       bytea NOT NULL,
  -- CloudEvents and W3C trace context headers, captured at write time.
  headers       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
);

-- The relay only ever looks for unpublished rows.
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
