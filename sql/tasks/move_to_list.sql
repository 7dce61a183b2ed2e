-- Move tasks %(ids)s of %(user_id)s (a subtree under its moved root) to list %(list_id)s.
UPDATE tasks SET list_id = %(list_id)s, version = version + 1, updated_at = now()
WHERE user_id = %(user_id)s AND id = ANY (%(ids)s::uuid[]) AND list_id <> %(list_id)s;
