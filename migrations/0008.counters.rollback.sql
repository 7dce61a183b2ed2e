-- Back to counters updated under their row locks: the deltas folded into them first.
-- (Each branch names only the transition tables its event has.)
CREATE OR REPLACE FUNCTION taskapi_count_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE task_counts;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO task_counts AS c (user_id, completed, priority, n)
        SELECT user_id, completed, priority, count(*) FROM new_rows
        GROUP BY user_id, completed, priority ORDER BY user_id, completed, priority
        ON CONFLICT (user_id, completed, priority) DO UPDATE SET n = c.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO task_counts AS c (user_id, completed, priority, n)
        SELECT user_id, completed, priority, -count(*) FROM old_rows
        GROUP BY user_id, completed, priority ORDER BY user_id, completed, priority
        ON CONFLICT (user_id, completed, priority) DO UPDATE SET n = c.n + excluded.n;
    ELSE
        INSERT INTO task_counts AS c (user_id, completed, priority, n)
        SELECT user_id, completed, priority, sum(delta)
        FROM (
            SELECT user_id, completed, priority, 1 AS delta FROM new_rows
            UNION ALL
            SELECT user_id, completed, priority, -1 FROM old_rows
        ) AS changes
        GROUP BY user_id, completed, priority HAVING sum(delta) <> 0
        ORDER BY user_id, completed, priority
        ON CONFLICT (user_id, completed, priority) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;

INSERT INTO task_counts AS c (user_id, completed, priority, n)
SELECT user_id, completed, priority, sum(n) FROM task_count_deltas GROUP BY user_id, completed, priority
ON CONFLICT (user_id, completed, priority) DO UPDATE SET n = c.n + excluded.n;

DROP FUNCTION taskapi_count(text, boolean, text, bigint);
DROP TRIGGER lists_add_counters ON lists;
DROP FUNCTION taskapi_add_counters();
DROP VIEW task_totals;
DROP TABLE task_count_deltas;
