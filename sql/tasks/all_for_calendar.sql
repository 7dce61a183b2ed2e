-- The tasks of %(user_id)s for the iCalendar export (of list %(list_id)s only, unless NULL), at
-- most %(limit)s: open ones first (every open task of anyone with fewer than %(limit)s of them),
-- then the most recently completed.
SELECT * FROM tasks
WHERE user_id = %(user_id)s AND (%(list_id)s::uuid IS NULL OR list_id = %(list_id)s::uuid)
ORDER BY completed, CASE WHEN completed THEN completed_at END DESC, created_at, id
LIMIT %(limit)s;
