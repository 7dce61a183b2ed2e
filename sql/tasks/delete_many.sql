-- Delete tasks %(ids)s of %(user_id)s (a task and its subtree) in one statement.
DELETE FROM tasks WHERE user_id = %(user_id)s AND id = ANY (%(ids)s::uuid[]) RETURNING id;
