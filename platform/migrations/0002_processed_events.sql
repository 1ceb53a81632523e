-- Ids of the events a consumer has applied, recorded in the same transaction
-- as their effect, so a redelivered event is recognised and skipped.
CREATE TABLE processed_events (
  consumer      text NOT NULL,
  event_id      text NOT NULL,
  processed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
