-- Log attempt %(id)s of %(user_id)s (made %(duration_ms)s ms ago) and move its queue row on:
-- delivered, failed, or pending for %(retry_in_seconds)s more unless its retry window of
-- %(window_seconds)s is over (then failed); only while %(lease_token)s still holds the lease (no
-- row: it was lost). Times are the database's, as the claim's are.
WITH moved AS (
    UPDATE webhook_queue AS q SET
        state = d.state,
        next_attempt_at = CASE
            WHEN d.state = 'pending' THEN now() + make_interval(secs => %(retry_in_seconds)s)
            ELSE q.next_attempt_at END,
        lease_token = NULL,
        leased_until = NULL,
        finished_at = CASE WHEN d.state <> 'pending' THEN now() END
    FROM (
        SELECT CASE
            WHEN %(state)s = 'pending' AND w.window_start <= now() - make_interval(secs => %(window_seconds)s)
            THEN 'failed' ELSE %(state)s END AS state
        FROM webhook_queue AS w
        WHERE w.user_id = %(user_id)s AND w.subscription_id = %(subscription_id)s AND w.event_id = %(event_id)s
    ) AS d
    WHERE q.user_id = %(user_id)s AND q.subscription_id = %(subscription_id)s AND q.event_id = %(event_id)s
      AND q.lease_token = %(lease_token)s
    RETURNING q.user_id, q.subscription_id, q.event_id, q.attempts, q.state, q.next_attempt_at
), logged AS (
INSERT INTO webhook_deliveries (
    user_id, id, subscription_id, event_id, event_type, attempt, status_code, error, duration_ms,
    created_at, next_retry_at
)
SELECT user_id, %(id)s, subscription_id, event_id, %(event_type)s, attempts, %(status_code)s,
       %(error)s, %(duration_ms)s, now() - make_interval(secs => %(duration_ms)s / 1000.0),
       CASE WHEN state = 'pending' THEN next_attempt_at END
FROM moved
RETURNING id
)
SELECT moved.state FROM moved, logged;
