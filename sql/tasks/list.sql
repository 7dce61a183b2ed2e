-- A page of %(user_id)s's tasks, newest first (%(limit)s, %(offset)s).
SELECT * FROM tasks
WHERE user_id = %(user_id)s
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s OFFSET %(offset)s;
