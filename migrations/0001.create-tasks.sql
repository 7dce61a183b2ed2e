-- The tasks table: every field the API exposes plus the series bookkeeping recurrence needs.
-- Every key starts with user_id, so every access path is scoped to one user (and the table
-- can be distributed by user_id).

CREATE TABLE tasks (
    user_id           text        NOT NULL,
    id                uuid        NOT NULL,
    title             text        NOT NULL,
    description       text,
    completed         boolean     NOT NULL DEFAULT false,
    completed_at      timestamptz,
    priority          text        NOT NULL DEFAULT 'medium',
    -- rank for sorting: low < medium < high
    priority_rank     smallint    GENERATED ALWAYS AS (
                          CASE priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END
                      ) STORED,
    tags              text[]      NOT NULL DEFAULT '{}',
    due_date          timestamptz,
    reminder_at       timestamptz,
    timezone          text        NOT NULL DEFAULT 'UTC',
    recurrence_rule   text,
    recurrence_anchor text        NOT NULL DEFAULT 'due',
    -- series bookkeeping: the first due date of the series anchors the rule's expansion,
    -- occurrence counts the tasks of the series (for COUNT), previous_id links an occurrence
    -- to the one whose completion created it, next_id records that a completion did so.
    series_start      timestamptz,
    occurrence        integer     NOT NULL DEFAULT 1,
    previous_id       uuid,
    next_id           uuid,
    position          integer     NOT NULL DEFAULT 0,
    version           integer     NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT tasks_pkey PRIMARY KEY (user_id, id),
    CONSTRAINT tasks_user_id_check CHECK (user_id <> '' AND length(user_id) <= 255),
    CONSTRAINT tasks_title_check CHECK (btrim(title) <> '' AND char_length(title) <= 200),
    CONSTRAINT tasks_description_check CHECK (char_length(description) <= 2000),
    CONSTRAINT tasks_priority_check CHECK (priority IN ('high', 'medium', 'low')),
    CONSTRAINT tasks_tags_check CHECK (cardinality(tags) <= 20),
    CONSTRAINT tasks_completed_at_check CHECK (completed = (completed_at IS NOT NULL)),
    CONSTRAINT tasks_reminder_check CHECK (reminder_at <= due_date),
    CONSTRAINT tasks_recurrence_rule_check CHECK (
        recurrence_rule IS NULL
        OR (due_date IS NOT NULL AND series_start IS NOT NULL AND char_length(recurrence_rule) <= 500)
    ),
    CONSTRAINT tasks_recurrence_anchor_check CHECK (recurrence_anchor IN ('due', 'completion')),
    CONSTRAINT tasks_timezone_check CHECK (timezone <> '' AND length(timezone) <= 64),
    CONSTRAINT tasks_version_check CHECK (version >= 1)
);

-- At most one next occurrence per completed occurrence, whatever the concurrency.
CREATE UNIQUE INDEX tasks_previous_id_key ON tasks (user_id, previous_id) WHERE previous_id IS NOT NULL;

-- The default listing: a user's tasks, newest first.
CREATE INDEX tasks_user_created_idx ON tasks (user_id, created_at DESC, id DESC);
