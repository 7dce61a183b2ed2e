-- Insert the occurrence that follows %(previous_id)s of %(user_id)s, copying the series' fields;
-- nothing when that occurrence already has its successor (the unique index decides).
INSERT INTO tasks (
    user_id, id, title, description, priority, tags, due_date, reminder_at, timezone,
    recurrence_rule, recurrence_anchor, series_start, occurrence, previous_id, position
)
SELECT user_id, %(id)s, title, description, priority, tags, %(due_date)s, %(reminder_at)s,
       timezone, recurrence_rule, recurrence_anchor, series_start, occurrence + 1, id, position
FROM tasks
WHERE user_id = %(user_id)s AND id = %(previous_id)s
ON CONFLICT (user_id, previous_id) WHERE previous_id IS NOT NULL DO NOTHING
RETURNING *;
