-- Wakes the outbox relay (LISTEN emporium_outbox) when rows are added: once
-- per statement, delivered at commit, and Postgres folds the identical
-- notifications of one transaction into one. Writers no longer send NOTIFY
-- themselves, which saves a round trip per event.
CREATE FUNCTION emporium_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('emporium_outbox', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION emporium_outbox_notify();
