-- Complete the open tasks of %(user_id)s among %(ids)s (a completed task's subtree) at
-- %(completed_at)s, the parent's completion time.
UPDATE tasks SET completed = true, completed_at = %(completed_at)s, version = version + 1, updated_at = now()
WHERE user_id = %(user_id)s AND id = ANY (%(ids)s::uuid[]) AND NOT completed
RETURNING id;
