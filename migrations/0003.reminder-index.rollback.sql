-- transactional: false
DROP INDEX CONCURRENTLY IF EXISTS tasks_user_reminder_idx;
