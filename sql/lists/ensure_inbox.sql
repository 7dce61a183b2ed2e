-- The Inbox of %(user_id)s, created with %(id)s when they have none yet. Concurrent first requests
-- all insert; the unique index lets one win and the others do nothing (they read it on retry).
WITH found AS (
    SELECT * FROM lists WHERE user_id = %(user_id)s AND is_inbox
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
