-- Prices at the moment an order is placed (from the catalog), and the total
-- the customer is charged. Orders placed before this migration cost 0.
ALTER TABLE order_lines ADD COLUMN unit_price_minor bigint NOT NULL DEFAULT 0 CHECK (unit_price_minor >= 0);
ALTER TABLE orders ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR';
ALTER TABLE orders ADD COLUMN total_minor bigint NOT NULL DEFAULT 0 CHECK (total_minor >= 0);

-- The payment-deadline sweeper: orders waiting for payment, oldest first.
CREATE INDEX orders_awaiting_payment ON orders (updated_at) WHERE status = 'AWAITING_PAYMENT';
