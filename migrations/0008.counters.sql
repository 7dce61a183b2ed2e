-- depends: 0007.webhooks
-- Task counters no writer ever waits for, so no deadlock can run through them.
--
-- Before: each write's trigger added its change to the user's task_counts rows (one per status
-- and priority) under their row locks, held to commit. Two transactions of one user that each
-- changed two counters in turn (two batches of priority changes in opposite orders, a series
-- rolling over a subtree of other priorities) could each hold the row the other needed next: a
-- deadlock, which PostgreSQL breaks by failing one of them.
--
-- Now: a write's trigger takes a counter row only if no one holds it (SKIP LOCKED); for a counter
-- it cannot take, it appends its change to task_count_deltas instead (no unique key: an insert
-- there waits for no one). Whoever next holds the counter row folds the committed deltas into it.
-- The total is task_counts plus task_count_deltas (the view task_totals), always as exact as a
-- count(*): a write's changes commit, or vanish, with it. Under no contention the deltas stay
-- empty and a write does what it did before.
CREATE TABLE task_count_deltas (
    user_id   text    NOT NULL,
    id        bigint  GENERATED ALWAYS AS IDENTITY,
    completed boolean NOT NULL,
    priority  text    NOT NULL,
    n         bigint  NOT NULL,
    CONSTRAINT task_count_deltas_pkey PRIMARY KEY (user_id, id)
);

CREATE VIEW task_totals AS
SELECT user_id, completed, priority, n FROM task_counts
UNION ALL
SELECT user_id, completed, priority, n FROM task_count_deltas;

-- Every user's six counter rows exist from their Inbox on (the trigger below never creates one:
-- an insert can wait for a concurrent insert of the same key). Every write of a user comes after
-- their Inbox exists: a task is in a list, and a list is created after the Inbox.
INSERT INTO task_counts (user_id, completed, priority, n)
SELECT l.user_id, k.completed, k.priority, 0
FROM lists AS l
CROSS JOIN (VALUES (false), (true)) AS s (completed)
CROSS JOIN LATERAL (SELECT s.completed, p FROM unnest(ARRAY['high', 'low', 'medium']) AS p) AS k (completed, priority)
WHERE l.is_inbox
ON CONFLICT DO NOTHING;

CREATE FUNCTION taskapi_add_counters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- one Inbox per user (a unique index), so no other transaction inserts these rows meanwhile
    INSERT INTO task_counts (user_id, completed, priority, n)
    SELECT NEW.user_id, s.completed, p, 0
    FROM (VALUES (false), (true)) AS s (completed), unnest(ARRAY['high', 'low', 'medium']) AS p
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER lists_add_counters AFTER INSERT ON lists
    FOR EACH ROW WHEN (NEW.is_inbox) EXECUTE FUNCTION taskapi_add_counters();

-- One change to a counter, made without waiting: a counter row free now is locked and gets the
-- change plus the committed deltas of its key (folded in); a counter row another transaction
-- holds is left alone, and the change goes to the deltas. (PL/pgSQL: its statements' plans are
-- cached per session.)
CREATE FUNCTION taskapi_count(who text, done boolean, rank text, change bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM FROM task_counts
    WHERE user_id = who AND completed = done AND priority = rank
    FOR NO KEY UPDATE SKIP LOCKED;
    IF FOUND THEN
        -- only the holder of a key's counter row folds its deltas: none is locked by another
        WITH folded AS (
            DELETE FROM task_count_deltas
            WHERE user_id = who AND completed = done AND priority = rank
            RETURNING n
        )
        UPDATE task_counts SET n = n + change + coalesce((SELECT sum(n) FROM folded), 0)
        WHERE user_id = who AND completed = done AND priority = rank;
    ELSE
        INSERT INTO task_count_deltas (user_id, completed, priority, n) VALUES (who, done, rank, change);
    END IF;
END
$$;

-- (Each branch names only the transition tables its event has.)
CREATE OR REPLACE FUNCTION taskapi_count_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE task_counts SET n = 0 WHERE n <> 0;
        DELETE FROM task_count_deltas;
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM taskapi_count(user_id, completed, priority, n) FROM (
            SELECT user_id, completed, priority, count(*) AS n FROM new_rows
            GROUP BY user_id, completed, priority ORDER BY user_id, completed, priority
        ) AS c;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM taskapi_count(user_id, completed, priority, n) FROM (
            SELECT user_id, completed, priority, -count(*) AS n FROM old_rows
            GROUP BY user_id, completed, priority ORDER BY user_id, completed, priority
        ) AS c;
    ELSE
        PERFORM taskapi_count(user_id, completed, priority, n) FROM (
            SELECT user_id, completed, priority, sum(delta) AS n
            FROM (
                SELECT user_id, completed, priority, 1 AS delta FROM new_rows
                UNION ALL
                SELECT user_id, completed, priority, -1 FROM old_rows
            ) AS changes
            GROUP BY user_id, completed, priority HAVING sum(delta) <> 0
            ORDER BY user_id, completed, priority
        ) AS c;
    END IF;
    RETURN NULL;
END
$$;
