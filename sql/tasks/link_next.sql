-- Record on task %(id)s of %(user_id)s that its completion created %(next_id)s (never again).
UPDATE tasks SET next_id = %(next_id)s
WHERE user_id = %(user_id)s AND id = %(id)s AND next_id IS NULL;
