-- Undo 0002.listing-indexes (btree_gin stays: other objects may use it).
DROP TRIGGER IF EXISTS tasks_count_truncate ON tasks;
DROP TRIGGER IF EXISTS tasks_count_delete ON tasks;
DROP TRIGGER IF EXISTS tasks_count_update ON tasks;
DROP TRIGGER IF EXISTS tasks_count_insert ON tasks;
DROP FUNCTION IF EXISTS taskapi_count_tasks();
DROP TABLE IF EXISTS task_counts;
DROP INDEX IF EXISTS tasks_user_position_idx;
DROP INDEX IF EXISTS tasks_user_priority_idx;
DROP INDEX IF EXISTS tasks_user_title_idx;
DROP INDEX IF EXISTS tasks_user_due_desc_idx;
DROP INDEX IF EXISTS tasks_user_due_asc_idx;
DROP INDEX IF EXISTS tasks_user_updated_idx;
DROP INDEX IF EXISTS tasks_user_tags_idx;
DROP INDEX IF EXISTS tasks_user_search_idx;
ALTER TABLE tasks DROP COLUMN IF EXISTS tags_lower, DROP COLUMN IF EXISTS search_document;
DROP FUNCTION IF EXISTS taskapi_lower_tags(text[]);
