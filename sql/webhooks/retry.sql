-- Send the event of attempt %(delivery_id)s (subscription %(subscription_id)s of %(user_id)s)
-- again now, with a fresh retry window, and wake the workers; no row: no such attempt.
WITH reopened AS (
    UPDATE webhook_queue AS q SET
        state = 'pending',
        next_attempt_at = now(),
        window_start = now(),
        finished_at = NULL
    FROM webhook_deliveries AS d
    WHERE d.user_id = %(user_id)s AND d.subscription_id = %(subscription_id)s AND d.id = %(delivery_id)s
      AND q.user_id = %(user_id)s AND q.subscription_id = d.subscription_id AND q.event_id = d.event_id
    RETURNING q.event_id
)
SELECT event_id, pg_notify('taskapi_webhooks', '') FROM reopened;
