-- Insert subscription %(id)s of %(user_id)s; returns it with its secret (the only time it is read out).
INSERT INTO webhook_subscriptions (user_id, id, url, events, description, secret, enabled)
VALUES (%(user_id)s, %(id)s, %(url)s, %(events)s, %(description)s, %(secret)s, %(enabled)s)
RETURNING id, url, events, description, enabled, created_at, secret;
