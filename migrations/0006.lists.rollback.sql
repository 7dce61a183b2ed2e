-- Undo 0006.lists: tasks keep every other field; lists, their tombstones and counters go.
DROP TRIGGER tasks_count_open_truncate ON tasks;
DROP TRIGGER tasks_count_open_delete ON tasks;
DROP TRIGGER tasks_count_open_update ON tasks;
DROP TRIGGER tasks_count_open_insert ON tasks;
DROP FUNCTION taskapi_count_open_tasks();
DROP INDEX tasks_user_parent_idx;
DROP INDEX tasks_user_top_idx;
DROP INDEX tasks_user_list_idx;
ALTER TABLE tasks
    DROP CONSTRAINT tasks_parent_check,
    DROP CONSTRAINT tasks_parent_fkey,
    DROP CONSTRAINT tasks_list_fkey,
    DROP COLUMN parent_id,
    DROP COLUMN list_id;
DROP TRIGGER lists_leave_tombstone ON lists;
DROP FUNCTION lists_leave_tombstone();
DROP TABLE list_tombstones;
DROP TABLE lists;
