-- depends: 0002.listing-indexes
-- transactional: false
-- The reminders feed: a user's open tasks by reminder time, without scanning their other tasks.
-- CONCURRENTLY: building it must not block writes on a live table.

CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_user_reminder_idx
    ON tasks (user_id, reminder_at, id)
    WHERE NOT completed AND reminder_at IS NOT NULL;
