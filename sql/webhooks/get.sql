-- Subscription %(id)s of %(user_id)s (never its secret).
SELECT id, url, events, description, enabled, created_at
FROM webhook_subscriptions
WHERE user_id = %(user_id)s AND id = %(id)s;
