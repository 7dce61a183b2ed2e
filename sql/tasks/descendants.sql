-- The subtasks of task %(id)s of %(user_id)s at every depth (depth 1 = its direct subtasks),
-- shallowest first, at most %(limit)s levels down.
WITH RECURSIVE below AS (
    SELECT id, parent_id, recurrence_rule, completed, 1 AS depth
    FROM tasks WHERE user_id = %(user_id)s AND parent_id = %(id)s
    UNION ALL
    SELECT t.id, t.parent_id, t.recurrence_rule, t.completed, b.depth + 1
    FROM below AS b JOIN tasks AS t ON t.parent_id = b.id
    WHERE t.user_id = %(user_id)s AND b.depth < %(limit)s
)
SELECT * FROM below ORDER BY depth, id;
