-- An order's hold in one round trip (src/store/stock-store.ts): the stock
-- rows are locked in a fixed order, so concurrent holds cannot deadlock;
-- all or nothing, so an order is held only when every line fits in the
-- available stock (a product without stock counts as none). Returns the short
-- lines (none when the order was held). Before, the consumer read the rows
-- FOR UPDATE, decided, then wrote: two round trips per order.
CREATE FUNCTION stock_hold(p_order_id uuid, p_products text[], p_quantities int[])
RETURNS TABLE (product_id text, requested int, available bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  PERFORM 1 FROM stock s WHERE s.product_id = ANY (p_products) ORDER BY s.product_id FOR UPDATE;
  RETURN QUERY
    SELECT w.product_id, w.quantity, coalesce(s.available, 0)
      FROM unnest(p_products, p_quantities) WITH ORDINALITY AS w(product_id, quantity, line)
      LEFT JOIN stock s ON s.product_id = w.product_id
     WHERE coalesce(s.available, 0) < w.quantity
     ORDER BY w.line;
  IF FOUND THEN
    RETURN;
  END IF;
  UPDATE stock s SET available = s.available - w.quantity, reserved = s.reserved + w.quantity, updated_at = now()
    FROM unnest(p_products, p_quantities) AS w(product_id, quantity)
   WHERE s.product_id = w.product_id;
  INSERT INTO reservations (order_id, product_id, quantity, status)
    SELECT p_order_id, w.product_id, w.quantity, 'HELD' FROM unnest(p_products, p_quantities) AS w(product_id, quantity);
END
$$;
