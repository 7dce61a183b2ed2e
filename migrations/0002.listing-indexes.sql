-- depends: 0001.create-tasks
-- Access paths of GET /api/v1/tasks: one btree per sort (leading with user_id, ending with id,
-- so ORDER BY key, id LIMIT n and keyset cursors are index range scans), GIN indexes for
-- search and tags over two stored generated columns.

-- btree_gin lets the GIN indexes lead with user_id: a search or tag match is narrowed to one
-- user inside the index instead of collecting every user's matches first (trusted extension).
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- Tags lower-cased, for case-insensitive all-of matching (tags_lower @> wanted).
CREATE FUNCTION taskapi_lower_tags(tags text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ARRAY(SELECT lower(tag) FROM unnest(tags) AS tag);

-- Stored, like priority_rank: computed once per write instead of for every row a search
-- ranks or a tag filter checks (an expression index alone leaves ts_rank and the filter to
-- recompute them per row, which made a search of 4,000 matches take ~100 ms).
-- search_document: title weighted above description, English stemming.
ALTER TABLE tasks
    ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')
    ) STORED,
    ADD COLUMN tags_lower text[] GENERATED ALWAYS AS (taskapi_lower_tags(tags)) STORED;

CREATE INDEX tasks_user_search_idx ON tasks USING gin (user_id, search_document);
CREATE INDEX tasks_user_tags_idx ON tasks USING gin (user_id, tags_lower);

-- Sorts (created_at DESC already has tasks_user_created_idx). A backward scan serves the
-- other direction. Due dates sort on a sentinel instead of NULL so that tasks without one come
-- last in both directions and a cursor is one row comparison: 9999-12-31 ascending (the API
-- accepts nothing after 9999-12-30), 0001-01-01 descending.
CREATE INDEX tasks_user_updated_idx ON tasks (user_id, updated_at DESC, id DESC);
CREATE INDEX tasks_user_due_asc_idx
    ON tasks (user_id, coalesce(due_date, '9999-12-31 00:00:00+00'::timestamptz), id);
CREATE INDEX tasks_user_due_desc_idx
    ON tasks (user_id, coalesce(due_date, '0001-01-01 00:00:00+00'::timestamptz) DESC, id DESC);
CREATE INDEX tasks_user_title_idx ON tasks (user_id, lower(title), id);
CREATE INDEX tasks_user_priority_idx ON tasks (user_id, priority_rank DESC, id DESC);
CREATE INDEX tasks_user_position_idx ON tasks (user_id, position, id);

-- Exact totals without counting: the number of tasks per user, status and priority, kept by
-- statement-level triggers in the writing transaction (so as exact as a count(*)). A listing
-- filtered by nothing but completed/priority reads at most six rows here instead of counting
-- up to all of the user's tasks (~3 ms per 50,000 on every page). Each trigger does one upsert
-- in key order, so concurrent writers lock counter rows in the same order (no deadlock).
CREATE TABLE task_counts (
    user_id   text    NOT NULL,
    completed boolean NOT NULL,
    priority  text    NOT NULL,
    n         bigint  NOT NULL,
    CONSTRAINT task_counts_pkey PRIMARY KEY (user_id, completed, priority)
);

-- (Each branch names only the transition tables its event has.)
CREATE FUNCTION taskapi_count_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE task_counts;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO task_counts AS c (user_id, completed, priority, n)
        SELECT user_id, completed, priority, count(*) FROM new_rows
        GROUP BY user_id, completed, priority ORDER BY user_id, completed, priority
        ON CONFLICT (user_id, completed, priority) DO UPDATE SET n = c.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO task_counts AS c (user_id, completed, priority, n)
        SELECT user_id, completed, priority, -count(*) FROM old_rows
        GROUP BY user_id, completed, priority ORDER BY user_id, completed, priority
        ON CONFLICT (user_id, completed, priority) DO UPDATE SET n = c.n + excluded.n;
    ELSE
        INSERT INTO task_counts AS c (user_id, completed, priority, n)
        SELECT user_id, completed, priority, sum(delta)
        FROM (
            SELECT user_id, completed, priority, 1 AS delta FROM new_rows
            UNION ALL
            SELECT user_id, completed, priority, -1 FROM old_rows
        ) AS changes
        GROUP BY user_id, completed, priority HAVING sum(delta) <> 0
        ORDER BY user_id, completed, priority
        ON CONFLICT (user_id, completed, priority) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;

INSERT INTO task_counts (user_id, completed, priority, n)
SELECT user_id, completed, priority, count(*) FROM tasks GROUP BY user_id, completed, priority;

CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION taskapi_count_tasks();
CREATE TRIGGER tasks_count_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION taskapi_count_tasks();
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION taskapi_count_tasks();
CREATE TRIGGER tasks_count_truncate AFTER TRUNCATE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION taskapi_count_tasks();

-- The planner needs statistics on the new columns and expressions before it can choose well.
ANALYZE tasks;
