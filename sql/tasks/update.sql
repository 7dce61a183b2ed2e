-- Store the writable fields of task %(id)s of %(user_id)s if it is still at %(version)s (the
-- version they were merged into); returns the new row and whether it was completed before.
-- Changing the rule or time zone, or the due date of a series' first task, re-anchors the series.
UPDATE tasks AS t SET
    title = %(title)s,
    description = %(description)s,
    completed = %(completed)s,
    completed_at = CASE WHEN NOT %(completed)s THEN NULL WHEN t.completed THEN t.completed_at ELSE now() END,
    priority = %(priority)s,
    tags = %(tags)s,
    due_date = %(due_date)s,
    reminder_at = %(reminder_at)s,
    timezone = %(timezone)s,
    recurrence_rule = %(recurrence_rule)s,
    recurrence_anchor = %(recurrence_anchor)s,
    series_start = CASE
        WHEN %(recurrence_rule)s::text IS NULL THEN NULL
        WHEN t.series_start IS NULL OR t.occurrence = 1
          OR %(recurrence_rule)s IS DISTINCT FROM t.recurrence_rule
          OR %(timezone)s <> t.timezone THEN %(due_date)s::timestamptz
        ELSE t.series_start END,
    occurrence = CASE
        WHEN %(recurrence_rule)s IS DISTINCT FROM t.recurrence_rule OR %(timezone)s <> t.timezone THEN 1
        ELSE t.occurrence END,
    position = %(position)s,
    list_id = %(list_id)s,
    parent_id = %(parent_id)s,
    version = t.version + 1,
    updated_at = now()
FROM (SELECT completed FROM tasks WHERE user_id = %(user_id)s AND id = %(id)s FOR UPDATE) AS old
WHERE t.user_id = %(user_id)s AND t.id = %(id)s
  AND t.version = %(version)s
RETURNING t.*, old.completed AS was_completed;
