-- Every status an order has had, numbered per order (1 = created, PENDING),
-- written in the same transaction as the change itself (order creation and
-- advanceOrder, the one entry point of every status change). WatchOrder
-- streams from it: the sequence is the resume position a client keeps, and
-- any orders instance reads the same numbers.
CREATE TABLE order_status_history (
  order_id       uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  sequence       int NOT NULL CHECK (sequence > 0),
  status         text NOT NULL CHECK (status IN ('PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
  status_reason  text NOT NULL DEFAULT '',
  changed_at     timestamptz NOT NULL,
  PRIMARY KEY (order_id, sequence)
);

-- Orders placed before this migration start their history where they stand.
INSERT INTO order_status_history (order_id, sequence, status, status_reason, changed_at)
SELECT id, 1, status, status_reason, updated_at FROM orders;

-- Wakes the watchers of an order on every orders instance (LISTEN
-- emporium_order_status; the payload is the order id), delivered at commit.
-- Once per row: one change is one row, and the notifications of one
-- transaction about the same order are folded into one by Postgres.
CREATE FUNCTION emporium_order_status_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('emporium_order_status', NEW.order_id::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER order_status_notify AFTER INSERT ON order_status_history
  FOR EACH ROW EXECUTE FUNCTION emporium_order_status_notify();
