-- Stock per product. on_hand is derived, so the conservation invariant
-- (on_hand = available + reserved + sold) holds by construction.
CREATE TABLE stock (
  product_id  text PRIMARY KEY,
  available   bigint NOT NULL CHECK (available >= 0),
  reserved    bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  sold        bigint NOT NULL DEFAULT 0 CHECK (sold >= 0),
  on_hand     bigint GENERATED ALWAYS AS (available + reserved + sold) STORED,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Units held for one order, released or sold later.
CREATE TABLE reservations (
  order_id    uuid NOT NULL,
  product_id  text NOT NULL REFERENCES stock (product_id),
  quantity    int NOT NULL CHECK (quantity > 0),
  status      text NOT NULL CHECK (status IN ('HELD', 'RELEASED', 'SOLD')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, product_id)
);
