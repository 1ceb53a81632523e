-- The advisory lock that marks a request with an Idempotency-Key in flight,
-- held to the end of the transaction, in one place for both ways of taking
-- it (services/orders/src/idempotency.ts):
-- - idempotency_key_try_lock: true when taken, false when another request
--   holds it (CancelOrder's transaction, which reads before it writes);
-- - idempotency_key_lock: the same, but refuses with SQLSTATE EM409 instead
--   of returning false, so that one statement can take the key, record it and
--   do the work (CreateOrder in one round trip), all or nothing.
CREATE FUNCTION idempotency_key_try_lock(lock_key text) RETURNS boolean
LANGUAGE sql VOLATILE AS $$
  SELECT pg_try_advisory_xact_lock(hashtextextended(lock_key, 7231002))
$$;

CREATE FUNCTION idempotency_key_lock(lock_key text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF NOT idempotency_key_try_lock(lock_key) THEN
    RAISE EXCEPTION 'a request with this idempotency key is in flight' USING ERRCODE = 'EM409';
  END IF;
  RETURN true;
END
$$;
