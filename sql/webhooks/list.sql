-- The subscriptions of %(user_id)s, oldest first (never their secrets).
SELECT id, url, events, description, enabled, created_at
FROM webhook_subscriptions
WHERE user_id = %(user_id)s
ORDER BY created_at, id;
