-- Insert the tasks %(tasks)s (a JSON array of rows, each with its 1-based place `n` in it) for
-- %(user_id)s, as far as they keep at most %(max_tasks)s tasks (the rows past that are left out);
-- a recurring task starts its own series at its due date. One statement for a run of creates: the
-- count triggers run once for all of them. The count comes from the trigger-kept task_totals, so
-- the check is a few index lookups; concurrent creates of one user may pass the limit by the number
-- of requests in flight.
INSERT INTO tasks (
    user_id, id, title, description, completed, completed_at, priority, tags, due_date,
    reminder_at, timezone, recurrence_rule, recurrence_anchor, series_start, position, list_id, parent_id
)
SELECT
    %(user_id)s, t.id, t.title, t.description, t.completed,
    CASE WHEN t.completed THEN now() END, t.priority, t.tags, t.due_date,
    t.reminder_at, t.timezone, t.recurrence_rule, t.recurrence_anchor,
    CASE WHEN t.recurrence_rule IS NOT NULL THEN t.due_date END, t.position, t.list_id, t.parent_id
FROM jsonb_to_recordset(%(tasks)s::jsonb) AS t (
    n integer, id uuid, title text, description text, completed boolean, priority text, tags text[],
    due_date timestamptz, reminder_at timestamptz, timezone text, recurrence_rule text,
    recurrence_anchor text, position integer, list_id uuid, parent_id uuid
)
WHERE (SELECT coalesce(sum(c.n), 0) FROM task_totals AS c WHERE c.user_id = %(user_id)s) + t.n
    <= %(max_tasks)s
ORDER BY t.n
RETURNING *;
