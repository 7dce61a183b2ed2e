-- The newest %(limit)s delivery attempts of subscription %(subscription_id)s of %(user_id)s.
SELECT id, event_id, event_type, attempt, status_code, error, duration_ms, created_at, next_retry_at
FROM webhook_deliveries
WHERE user_id = %(user_id)s AND subscription_id = %(subscription_id)s
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s;
