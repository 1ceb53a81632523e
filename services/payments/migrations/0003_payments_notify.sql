-- Wakes the payment workers (LISTEN emporium_payments) when payments to make
-- are added, so a charge starts at once rather than at the next poll. Once
-- per statement, delivered at commit.
CREATE FUNCTION emporium_payments_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('emporium_payments', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER payments_notify AFTER INSERT ON payments FOR EACH STATEMENT EXECUTE FUNCTION emporium_payments_notify();
