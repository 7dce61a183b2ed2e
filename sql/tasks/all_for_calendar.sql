-- Every task of %(user_id)s for the iCalendar export, oldest first, at most %(limit)s.
SELECT * FROM tasks
WHERE user_id = %(user_id)s
ORDER BY created_at, id
LIMIT %(limit)s;
