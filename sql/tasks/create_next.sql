-- Insert the occurrence that follows %(previous_id)s of %(user_id)s at %(position)s, copying the
-- series' fields, list and parent; nothing when that occurrence already has its successor (the
-- unique index decides).
INSERT INTO tasks (
    user_id, id, title, description, priority, tags, due_date, reminder_at, timezone,
    recurrence_rule, recurrence_anchor, series_start, occurrence, previous_id, position, list_id, parent_id
)
SELECT user_id, %(id)s, title, description, priority, tags, %(due_date)s, %(reminder_at)s,
       timezone, recurrence_rule, recurrence_anchor, series_start, occurrence + 1, id, %(position)s,
       list_id, parent_id
FROM tasks
WHERE user_id = %(user_id)s AND id = %(previous_id)s
ON CONFLICT (user_id, previous_id) WHERE previous_id IS NOT NULL DO NOTHING
RETURNING *;
