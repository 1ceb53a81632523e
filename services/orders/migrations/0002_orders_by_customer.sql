-- ListOrders: a customer's orders, newest first, keyset-paged.
CREATE INDEX orders_by_customer ON orders (customer_id, created_at DESC, id DESC);
