-- The Inbox of %(user_id)s, locked (as lists/lock.sql locks lists), created with %(id)s when they
-- have none yet (a row this transaction inserts is its own). A create into the Inbox needs the
-- Inbox and its lock: one statement instead of two. Concurrent first requests: as ensure_inbox.
WITH found AS (
    SELECT * FROM lists WHERE user_id = %(user_id)s AND is_inbox
    FOR NO KEY UPDATE
), created AS (
    INSERT INTO lists (user_id, id, name, is_inbox, position)
    SELECT %(user_id)s, %(id)s, 'Inbox', true, 0
    WHERE NOT EXISTS (SELECT 1 FROM found)
    ON CONFLICT DO NOTHING
    RETURNING *
)
SELECT * FROM found
UNION ALL
SELECT * FROM created;
