-- Insert one task for %(user_id)s, unless they already keep %(max_tasks)s tasks (then no row);
-- a recurring task starts its own series at its due date. The count comes from the trigger-kept
-- task_totals, so the check is a few index lookups; concurrent creates of one user may pass the
-- limit by the number of requests in flight.
INSERT INTO tasks (
    user_id, id, title, description, completed, completed_at, priority, tags, due_date,
    reminder_at, timezone, recurrence_rule, recurrence_anchor, series_start, position, list_id, parent_id
)
SELECT
    %(user_id)s, %(id)s, %(title)s, %(description)s, %(completed)s,
    CASE WHEN %(completed)s THEN now() END, %(priority)s, %(tags)s, %(due_date)s,
    %(reminder_at)s, %(timezone)s, %(recurrence_rule)s, %(recurrence_anchor)s,
    CASE WHEN %(recurrence_rule)s::text IS NOT NULL THEN %(due_date)s::timestamptz END, %(position)s,
    %(list_id)s, %(parent_id)s
WHERE (SELECT coalesce(sum(n), 0) FROM task_totals WHERE user_id = %(user_id)s) < %(max_tasks)s
RETURNING *;
