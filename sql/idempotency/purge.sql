-- Delete at most %(limit)s expired keys of %(user_id)s (bounded work, no cron needed).
DELETE FROM idempotency_keys
WHERE user_id = %(user_id)s
  AND key IN (
      SELECT key FROM idempotency_keys
      WHERE user_id = %(user_id)s AND expires_at <= now()
      ORDER BY expires_at
      LIMIT %(limit)s
  );
