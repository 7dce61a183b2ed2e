-- Try to take the transaction-scoped lock on key %(key)s of %(user_id)s; false: a request with
-- this key is in flight. The lock, not the row, says "in flight": it needs no cleanup after a crash.
SELECT pg_try_advisory_xact_lock(
    hashtextextended(length(%(user_id)s::text) || ':' || %(user_id)s::text || %(key)s::text, 0)
) AS locked;
