-- Delete subscription %(id)s of %(user_id)s (its queue and log go with it).
DELETE FROM webhook_subscriptions
WHERE user_id = %(user_id)s AND id = %(id)s
RETURNING id;
