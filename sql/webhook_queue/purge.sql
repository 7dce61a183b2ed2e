-- Delete at most %(limit)s delivery attempts of %(user_id)s older than %(retention_seconds)s, and
-- at most %(limit)s of their events that are that old and done with (their queue rows go with them).
WITH old_attempts AS (
    DELETE FROM webhook_deliveries
    WHERE user_id = %(user_id)s
      AND id IN (
          SELECT id FROM webhook_deliveries
          WHERE user_id = %(user_id)s
            AND created_at < now() - make_interval(secs => %(retention_seconds)s)
          ORDER BY created_at
          LIMIT %(limit)s
      )
    RETURNING id
), old_events AS (
    DELETE FROM webhook_events
    WHERE user_id = %(user_id)s
      AND id IN (
          SELECT e.id FROM webhook_events AS e
          WHERE e.user_id = %(user_id)s
            AND e.created_at < now() - make_interval(secs => %(retention_seconds)s)
            AND NOT EXISTS (
                SELECT 1 FROM webhook_queue AS q
                WHERE q.user_id = %(user_id)s AND q.event_id = e.id
                  AND (q.state = 'pending'
                       OR q.finished_at >= now() - make_interval(secs => %(retention_seconds)s))
            )
          ORDER BY e.created_at
          LIMIT %(limit)s
      )
    RETURNING id
)
SELECT (SELECT count(*) FROM old_attempts) AS attempts, (SELECT count(*) FROM old_events) AS events;
