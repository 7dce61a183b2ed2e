-- Flip `completed` of task %(id)s of %(user_id)s when its version is one of %(versions)s
-- (NULL: any); returns the new row and whether it was completed before.
UPDATE tasks AS t SET
    completed = NOT t.completed,
    completed_at = CASE WHEN t.completed THEN NULL ELSE now() END,
    version = t.version + 1,
    updated_at = now()
FROM (SELECT completed FROM tasks WHERE user_id = %(user_id)s AND id = %(id)s FOR UPDATE) AS old
WHERE t.user_id = %(user_id)s AND t.id = %(id)s
  AND (%(versions)s::int[] IS NULL OR t.version = ANY (%(versions)s::int[]))
RETURNING t.*, old.completed AS was_completed;
