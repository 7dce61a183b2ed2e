-- depends: 0005.search
-- Lists and subtasks: every task lives in one of its user's lists (each user has exactly one
-- Inbox) and may be a subtask of another task of the same list. Keys carry user_id, so no row can
-- point across users and the schema stays distributable by user_id.

CREATE TABLE lists (
    user_id    text        NOT NULL,
    id         uuid        NOT NULL,
    name       text        NOT NULL,
    color      text,
    is_inbox   boolean     NOT NULL DEFAULT false,
    position   integer     NOT NULL DEFAULT 0,
    -- derived: the list's open tasks, kept exact by the tasks_count_open triggers below
    open_tasks integer     NOT NULL DEFAULT 0,
    version    integer     NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    change_xid xid8        NOT NULL DEFAULT pg_current_xact_id(),
    change_seq bigint      NOT NULL DEFAULT nextval('task_change_seq'),
    CONSTRAINT lists_pkey PRIMARY KEY (user_id, id),
    CONSTRAINT lists_user_id_check CHECK (user_id <> '' AND length(user_id) <= 255),
    CONSTRAINT lists_name_check CHECK (btrim(name) = name AND char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT lists_color_check CHECK (color ~ '^#[0-9a-f]{6}$'),
    CONSTRAINT lists_open_tasks_check CHECK (open_tasks >= 0),
    CONSTRAINT lists_version_check CHECK (version >= 1)
);

-- Names are unique per user whatever their case; one Inbox per user, whatever the concurrency.
CREATE UNIQUE INDEX lists_user_name_key ON lists (user_id, lower(name));
CREATE UNIQUE INDEX lists_user_inbox_key ON lists (user_id) WHERE is_inbox;
CREATE INDEX lists_user_position_idx ON lists (user_id, position, id);
CREATE INDEX lists_user_change_idx ON lists (user_id, change_xid, change_seq);

-- Lists are in the sync feed like tasks: the same change positions, their own tombstones.
CREATE TRIGGER lists_stamp_change BEFORE INSERT OR UPDATE ON lists
    FOR EACH ROW EXECUTE FUNCTION tasks_stamp_change();

CREATE TABLE list_tombstones (
    user_id    text        NOT NULL,
    id         uuid        NOT NULL,
    change_xid xid8        NOT NULL DEFAULT pg_current_xact_id(),
    change_seq bigint      NOT NULL DEFAULT nextval('task_change_seq'),
    deleted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT list_tombstones_pkey PRIMARY KEY (user_id, id)
);
CREATE INDEX list_tombstones_user_change_idx ON list_tombstones (user_id, change_xid, change_seq);
CREATE INDEX list_tombstones_user_deleted_idx ON list_tombstones (user_id, deleted_at);

CREATE FUNCTION lists_leave_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO list_tombstones (user_id, id) VALUES (OLD.user_id, OLD.id)
    ON CONFLICT (user_id, id) DO NOTHING;
    RETURN OLD;
END
$$;

CREATE TRIGGER lists_leave_tombstone AFTER DELETE ON lists
    FOR EACH ROW EXECUTE FUNCTION lists_leave_tombstone();

-- Every user who has tasks gets an Inbox now, with a UUIDv7 (time part: now), and their tasks
-- move into it. Users without tasks get theirs on their first request.
INSERT INTO lists (user_id, id, name, is_inbox, position)
SELECT user_id,
       (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')
        || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
       'Inbox', true, 0
FROM (SELECT user_id, md5(user_id || random()::text) AS h FROM (SELECT DISTINCT user_id FROM tasks) AS u) AS users;

ALTER TABLE tasks ADD COLUMN list_id uuid, ADD COLUMN parent_id uuid;

UPDATE tasks AS t SET list_id = l.id
FROM lists AS l
WHERE l.user_id = t.user_id AND l.is_inbox;

ALTER TABLE tasks
    ALTER COLUMN list_id SET NOT NULL,
    ADD CONSTRAINT tasks_list_fkey FOREIGN KEY (user_id, list_id) REFERENCES lists (user_id, id),
    ADD CONSTRAINT tasks_parent_fkey FOREIGN KEY (user_id, parent_id) REFERENCES tasks (user_id, id),
    ADD CONSTRAINT tasks_parent_check CHECK (parent_id <> id);

-- A list's tasks in order; its top-level tasks in order (a sibling group: the next position, the
-- neighbours of a move); a task's subtasks in order (also what the parent key's checks read).
CREATE INDEX tasks_user_list_idx ON tasks (user_id, list_id, position, id);
CREATE INDEX tasks_user_top_idx ON tasks (user_id, list_id, position, id) WHERE parent_id IS NULL;
CREATE INDEX tasks_user_parent_idx ON tasks (user_id, parent_id, position, id) WHERE parent_id IS NOT NULL;

-- open_tasks per list, exact in the writing transaction: one UPDATE of the lists concerned per
-- statement. The list rows always exist first (the foreign key), so this never inserts a counter
-- row (the concurrent upserts of new counter rows are what can deadlock); the store locks a
-- write's lists, in id order, before it touches their tasks, so writers meet in one order.
CREATE FUNCTION taskapi_count_open_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE lists SET open_tasks = 0 WHERE open_tasks <> 0;
    ELSIF TG_OP = 'INSERT' THEN
        UPDATE lists AS l SET open_tasks = l.open_tasks + d.n
        FROM (SELECT user_id, list_id, count(*) AS n FROM new_rows WHERE NOT completed
              GROUP BY user_id, list_id) AS d
        WHERE l.user_id = d.user_id AND l.id = d.list_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE lists AS l SET open_tasks = l.open_tasks - d.n
        FROM (SELECT user_id, list_id, count(*) AS n FROM old_rows WHERE NOT completed
              GROUP BY user_id, list_id) AS d
        WHERE l.user_id = d.user_id AND l.id = d.list_id;
    ELSE
        UPDATE lists AS l SET open_tasks = l.open_tasks + d.n
        FROM (SELECT user_id, list_id, sum(delta) AS n
              FROM (SELECT user_id, list_id, 1 AS delta FROM new_rows WHERE NOT completed
                    UNION ALL
                    SELECT user_id, list_id, -1 FROM old_rows WHERE NOT completed) AS changes
              GROUP BY user_id, list_id HAVING sum(delta) <> 0) AS d
        WHERE l.user_id = d.user_id AND l.id = d.list_id;
    END IF;
    RETURN NULL;
END
$$;

UPDATE lists AS l SET open_tasks = d.n
FROM (SELECT user_id, list_id, count(*) AS n FROM tasks WHERE NOT completed GROUP BY user_id, list_id) AS d
WHERE l.user_id = d.user_id AND l.id = d.list_id;

CREATE TRIGGER tasks_count_open_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION taskapi_count_open_tasks();
CREATE TRIGGER tasks_count_open_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION taskapi_count_open_tasks();
CREATE TRIGGER tasks_count_open_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION taskapi_count_open_tasks();
CREATE TRIGGER tasks_count_open_truncate AFTER TRUNCATE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION taskapi_count_open_tasks();

ANALYZE tasks;
ANALYZE lists;
