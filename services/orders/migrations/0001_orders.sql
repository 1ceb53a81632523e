CREATE TABLE orders (
  id             uuid PRIMARY KEY,
  customer_id    text NOT NULL,
  status         text NOT NULL CHECK (status IN ('PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
  status_reason  text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);

CREATE TABLE order_lines (
  order_id    uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  line_no     int NOT NULL,
  product_id  text NOT NULL,
  quantity    int NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, line_no)
);
