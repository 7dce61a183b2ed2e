-- Open tasks of %(user_id)s whose reminder is due by %(until)s, oldest reminder first, at most
-- %(limit)s (served by tasks_user_reminder_idx).
SELECT * FROM tasks
WHERE user_id = %(user_id)s AND NOT completed AND reminder_at <= %(until)s
ORDER BY reminder_at, id
LIMIT %(limit)s;
