-- depends: 0003.reminder-index
-- Delta sync: every task write is stamped with a change position (xid of its transaction, then a
-- global sequence number), deletions leave tombstones, and idempotency keys remember the first
-- answer to a retried POST.

CREATE SEQUENCE task_change_seq AS bigint;

-- Backfill: existing rows get this migration's transaction and a fresh number each.
ALTER TABLE tasks
    ADD COLUMN change_xid xid8   NOT NULL DEFAULT pg_current_xact_id(),
    ADD COLUMN change_seq bigint NOT NULL DEFAULT nextval('task_change_seq');
ALTER TABLE tasks ALTER COLUMN change_xid DROP DEFAULT, ALTER COLUMN change_seq DROP DEFAULT;

-- Every INSERT and UPDATE of a task, whatever statement runs it, gets a new change position.
-- The xid is what makes the feed safe: transactions commit out of order, so the sync reader only
-- hands out changes of transactions older than its snapshot's xmin (all of them finished).
CREATE FUNCTION tasks_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id();
    NEW.change_seq := nextval('task_change_seq');
    RETURN NEW;
END
$$;

CREATE TRIGGER tasks_stamp_change BEFORE INSERT OR UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_stamp_change();

CREATE INDEX tasks_user_change_idx ON tasks (user_id, change_xid, change_seq);

-- A deleted task, so that sync can tell clients to drop it; purged after the retention period.
CREATE TABLE task_tombstones (
    user_id    text        NOT NULL,
    id         uuid        NOT NULL,
    change_xid xid8        NOT NULL DEFAULT pg_current_xact_id(),
    change_seq bigint      NOT NULL DEFAULT nextval('task_change_seq'),
    deleted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT task_tombstones_pkey PRIMARY KEY (user_id, id)
);

CREATE INDEX task_tombstones_user_change_idx ON task_tombstones (user_id, change_xid, change_seq);
CREATE INDEX task_tombstones_user_deleted_idx ON task_tombstones (user_id, deleted_at);

-- Every deletion, whatever statement runs it, leaves its tombstone in the same statement.
CREATE FUNCTION tasks_leave_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_tombstones (user_id, id) VALUES (OLD.user_id, OLD.id)
    ON CONFLICT (user_id, id) DO NOTHING;
    RETURN OLD;
END
$$;

CREATE TRIGGER tasks_leave_tombstone AFTER DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_leave_tombstone();

-- The newest change position whose tombstone was purged, per user: a sync cursor before it may
-- have missed a deletion, so it is refused (410) and the client does a full sync.
CREATE TABLE sync_horizons (
    user_id    text   NOT NULL,
    purged_xid xid8   NOT NULL,
    purged_seq bigint NOT NULL,
    CONSTRAINT sync_horizons_pkey PRIMARY KEY (user_id)
);

-- Idempotency-Key: the first successful answer to a POST, replayed to a retry with the same key.
CREATE TABLE idempotency_keys (
    user_id      text        NOT NULL,
    key          text        NOT NULL,
    request_hash bytea       NOT NULL,
    status       smallint    NOT NULL,
    headers      jsonb       NOT NULL,
    body         bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (user_id, key),
    CONSTRAINT idempotency_keys_key_check CHECK (key <> '' AND length(key) <= 255)
);

CREATE INDEX idempotency_keys_user_expires_idx ON idempotency_keys (user_id, expires_at);
