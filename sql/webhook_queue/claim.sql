-- Across users (the one statement that is: a worker serves everyone): lease up to %(limit)s due
-- deliveries for %(lease_seconds)s, each the head (lowest seq) of its enabled subscription's
-- pending queue, so a subscription has one attempt in flight and its events go out in order.
-- SKIP LOCKED: workers running this at once each take other rows. Each comes with what its attempt
-- sends: the event and the subscription's url and secret. The heads come from the pending index,
-- ordered by subscription and seq: one step per subscription with pending rows (each step skips to
-- the first entry of the next subscription, its head), however long their queues are.
WITH RECURSIVE heads AS (
    (SELECT h.user_id, h.subscription_id, h.event_id
     FROM webhook_queue AS h
     WHERE h.state = 'pending'
     ORDER BY h.user_id, h.subscription_id, h.seq
     LIMIT 1)
    UNION ALL
    SELECT n.user_id, n.subscription_id, n.event_id
    FROM heads AS p, LATERAL (
        SELECT h.user_id, h.subscription_id, h.event_id
        FROM webhook_queue AS h
        WHERE h.state = 'pending' AND (h.user_id, h.subscription_id) > (p.user_id, p.subscription_id)
        ORDER BY h.user_id, h.subscription_id, h.seq
        LIMIT 1
    ) AS n
), due AS (
    SELECT q.user_id, q.subscription_id, q.event_id
    FROM heads
    JOIN webhook_queue AS q USING (user_id, subscription_id, event_id)
    JOIN webhook_subscriptions AS s ON s.user_id = q.user_id AND s.id = q.subscription_id
    WHERE q.state = 'pending' AND s.enabled
      AND q.next_attempt_at <= now()
      AND (q.leased_until IS NULL OR q.leased_until < now())
    ORDER BY q.next_attempt_at
    LIMIT %(limit)s
    FOR UPDATE OF q SKIP LOCKED
)
UPDATE webhook_queue AS w SET
    attempts = w.attempts + 1,
    lease_token = %(lease_token)s,
    leased_until = now() + make_interval(secs => %(lease_seconds)s)
FROM due, webhook_events AS e, webhook_subscriptions AS s
WHERE w.user_id = due.user_id AND w.subscription_id = due.subscription_id AND w.event_id = due.event_id
  AND e.user_id = w.user_id AND e.id = w.event_id
  AND s.user_id = w.user_id AND s.id = w.subscription_id
RETURNING w.user_id, w.subscription_id, w.event_id, w.attempts,
    e.type, e.data, e.created_at, s.url, s.secret;
