-- Task %(id)s of %(user_id)s and its ancestors, nearest first (depth 1 = the task itself); stops
-- after %(limit)s levels, so even a corrupt chain ends.
WITH RECURSIVE chain AS (
    SELECT id, parent_id, list_id, recurrence_rule, 1 AS depth
    FROM tasks WHERE user_id = %(user_id)s AND id = %(id)s
    UNION ALL
    SELECT t.id, t.parent_id, t.list_id, t.recurrence_rule, c.depth + 1
    FROM chain AS c JOIN tasks AS t ON t.id = c.parent_id
    WHERE t.user_id = %(user_id)s AND c.depth < %(limit)s
)
SELECT * FROM chain ORDER BY depth;
