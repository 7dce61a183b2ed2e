-- Store the changeable fields of subscription %(id)s of %(user_id)s; returns it (no secret).
UPDATE webhook_subscriptions SET
    url = %(url)s,
    events = %(events)s,
    description = %(description)s,
    enabled = %(enabled)s,
    updated_at = now()
WHERE user_id = %(user_id)s AND id = %(id)s
RETURNING id, url, events, description, enabled, created_at;
