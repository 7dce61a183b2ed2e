-- Log attempt %(id)s of %(user_id)s and move its queue row on (delivered, failed, or pending until
-- %(next_retry_at)s), only while %(lease_token)s still holds the lease; no row: the lease was lost.
WITH moved AS (
    UPDATE webhook_queue SET
        state = %(state)s,
        next_attempt_at = coalesce(%(next_retry_at)s, next_attempt_at),
        lease_token = NULL,
        leased_until = NULL,
        finished_at = CASE WHEN %(state)s <> 'pending' THEN now() END
    WHERE user_id = %(user_id)s AND subscription_id = %(subscription_id)s AND event_id = %(event_id)s
      AND lease_token = %(lease_token)s
    RETURNING user_id, subscription_id, event_id, attempts
)
INSERT INTO webhook_deliveries (
    user_id, id, subscription_id, event_id, event_type, attempt, status_code, error, duration_ms,
    next_retry_at
)
SELECT user_id, %(id)s, subscription_id, event_id, %(event_type)s, attempts, %(status_code)s,
       %(error)s, %(duration_ms)s, %(next_retry_at)s
FROM moved
RETURNING id;
