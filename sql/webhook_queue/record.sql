-- Log attempt %(id)s of %(user_id)s (made %(duration_ms)s ms ago) and move its queue row on:
-- delivered, failed, or pending for %(retry_in_seconds)s more unless its retry window of
-- %(window_seconds)s is over (then failed); only while %(lease_token)s still holds the lease (no
-- row: it was lost). Times are the database's, as the claim's are. With %(claim_next)s, and when
-- this attempt finished its delivery, the subscription's next delivery (its new head) is leased in
-- the same statement for %(lease_seconds)s under the same token, if it is due and free, with what
-- it sends (the `next_*` columns; NULL: none).
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
), head AS (
    -- this statement still sees the attempt's own row as pending: the head after it is the
    -- lowest other pending row (a manual retry can reopen one older than it)
    SELECT n.event_id
    FROM webhook_queue AS n, moved
    WHERE n.user_id = %(user_id)s AND n.subscription_id = %(subscription_id)s
      AND n.state = 'pending' AND n.event_id <> %(event_id)s
      AND %(claim_next)s AND moved.state <> 'pending'
    ORDER BY n.seq
    LIMIT 1
), free AS (
    SELECT n.event_id
    FROM webhook_queue AS n
    JOIN head USING (event_id)
    JOIN webhook_subscriptions AS s ON s.user_id = n.user_id AND s.id = n.subscription_id
    WHERE n.user_id = %(user_id)s AND n.subscription_id = %(subscription_id)s
      AND s.user_id = %(user_id)s AND s.enabled
      AND n.state = 'pending' AND n.next_attempt_at <= now()
      AND (n.leased_until IS NULL OR n.leased_until < now())
    FOR UPDATE OF n SKIP LOCKED
), claimed AS (
    UPDATE webhook_queue AS w SET
        attempts = w.attempts + 1,
        lease_token = %(lease_token)s,
        leased_until = now() + make_interval(secs => %(lease_seconds)s)
    FROM free, webhook_events AS e, webhook_subscriptions AS s
    WHERE w.user_id = %(user_id)s AND w.subscription_id = %(subscription_id)s AND w.event_id = free.event_id
      AND e.user_id = %(user_id)s AND e.id = w.event_id
      AND s.user_id = %(user_id)s AND s.id = w.subscription_id
    RETURNING w.event_id, w.attempts, e.type, e.data, e.created_at, s.url, s.secret
)
SELECT moved.state, claimed.event_id AS next_event_id, claimed.attempts AS next_attempts,
       claimed.type AS next_type, claimed.data AS next_data, claimed.created_at AS next_created_at,
       claimed.url AS next_url, claimed.secret AS next_secret
FROM moved CROSS JOIN logged LEFT JOIN claimed ON true;
