-- The tasks of %(user_id)s for the iCalendar export, at most %(limit)s: open ones first (every
-- open task of anyone with fewer than %(limit)s of them), then the most recently completed.
SELECT * FROM tasks
WHERE user_id = %(user_id)s
ORDER BY completed, CASE WHEN completed THEN completed_at END DESC, created_at, id
LIMIT %(limit)s;
