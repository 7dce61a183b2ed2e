-- What an attempt sends: event %(event_id)s and subscription %(subscription_id)s of %(user_id)s.
SELECT e.id, e.type, e.data, e.created_at, s.url, s.secret, s.enabled
FROM webhook_events AS e
JOIN webhook_subscriptions AS s ON s.user_id = e.user_id
WHERE e.user_id = %(user_id)s AND s.user_id = %(user_id)s
  AND e.id = %(event_id)s AND s.id = %(subscription_id)s;
