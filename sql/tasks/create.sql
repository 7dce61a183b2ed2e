-- Insert one task for %(user_id)s; a recurring task starts its own series at its due date.
INSERT INTO tasks (
    user_id, id, title, description, completed, completed_at, priority, tags, due_date,
    reminder_at, timezone, recurrence_rule, recurrence_anchor, series_start, position
) VALUES (
    %(user_id)s, %(id)s, %(title)s, %(description)s, %(completed)s,
    CASE WHEN %(completed)s THEN now() END, %(priority)s, %(tags)s, %(due_date)s,
    %(reminder_at)s, %(timezone)s, %(recurrence_rule)s, %(recurrence_anchor)s,
    CASE WHEN %(recurrence_rule)s::text IS NOT NULL THEN %(due_date)s::timestamptz END, %(position)s
)
RETURNING *;
