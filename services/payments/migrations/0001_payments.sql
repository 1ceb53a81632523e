-- One payment per order. A CANCELLED row may exist before the order's
-- OrderAwaitingPayment arrives (a tombstone: the later event is ignored).
CREATE TABLE payments (
  order_id         uuid PRIMARY KEY,
  customer_id      text NOT NULL DEFAULT '',
  currency         char(3) NOT NULL DEFAULT 'EUR',
  amount_minor     bigint NOT NULL DEFAULT 0 CHECK (amount_minor >= 0),
  status           text NOT NULL CHECK (status IN ('PENDING', 'CHARGING', 'CAPTURED', 'FAILED', 'CANCELLED')),
  attempts         int NOT NULL DEFAULT 0,
  charge_id        text NOT NULL DEFAULT '',
  reason           text NOT NULL DEFAULT '',
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- The worker's queue: due pending payments, and charges left in flight by a crash.
CREATE INDEX payments_due ON payments (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX payments_charging ON payments (updated_at) WHERE status = 'CHARGING';
