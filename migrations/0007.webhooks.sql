-- depends: 0006.lists
-- Webhooks: a user's subscriptions, an outbox of events written by triggers in the transaction of
-- the change they describe, the delivery queue (one row per event and subscription) and the log
-- of delivery attempts. Every key starts with user_id.

CREATE TABLE webhook_subscriptions (
    user_id     text        NOT NULL,
    id          uuid        NOT NULL,
    url         text        NOT NULL,
    events      text[]      NOT NULL,
    description text,
    -- the signing key (whsec_...): shown once, kept because every delivery is signed with it
    secret      text        NOT NULL,
    enabled     boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_subscriptions_pkey PRIMARY KEY (user_id, id),
    CONSTRAINT webhook_subscriptions_events_check CHECK (cardinality(events) >= 1)
);

-- One changed task or list: `data` is the row as the change left it (to_jsonb), or {"id"} for a
-- deletion; the worker turns it into the API's JSON shape when it delivers.
CREATE TABLE webhook_events (
    user_id    text        NOT NULL,
    id         uuid        NOT NULL DEFAULT gen_random_uuid(),
    type       text        NOT NULL,
    data       jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_events_pkey PRIMARY KEY (user_id, id)
);

CREATE INDEX webhook_events_user_created_idx ON webhook_events (user_id, created_at);

CREATE SEQUENCE webhook_queue_seq AS bigint;

-- One event to send to one subscription. `seq` is taken at commit, one user's commits one at a
-- time (webhook_events_enqueue), so per subscription `seq` order is commit order. A worker leases
-- a row (lease_token, leased_until) while it makes an attempt; a lease that runs out (the worker
-- died) makes the row claimable again.
CREATE TABLE webhook_queue (
    user_id         text        NOT NULL,
    subscription_id uuid        NOT NULL,
    event_id        uuid        NOT NULL,
    seq             bigint      NOT NULL,
    state           text        NOT NULL DEFAULT 'pending',
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- retries go on until this plus WEBHOOK_RETRY_HOURS (a manual retry starts it again)
    window_start    timestamptz NOT NULL DEFAULT now(),
    lease_token     uuid,
    leased_until    timestamptz,
    finished_at     timestamptz,
    CONSTRAINT webhook_queue_pkey PRIMARY KEY (user_id, subscription_id, event_id),
    CONSTRAINT webhook_queue_state_check CHECK (state IN ('pending', 'delivered', 'failed')),
    CONSTRAINT webhook_queue_subscription_fkey FOREIGN KEY (user_id, subscription_id)
        REFERENCES webhook_subscriptions (user_id, id) ON DELETE CASCADE,
    CONSTRAINT webhook_queue_event_fkey FOREIGN KEY (user_id, event_id)
        REFERENCES webhook_events (user_id, id) ON DELETE CASCADE
);

-- The pending rows in order, per subscription: the claim finds each subscription's head here.
CREATE INDEX webhook_queue_pending_idx ON webhook_queue (user_id, subscription_id, seq)
    WHERE state = 'pending';
CREATE INDEX webhook_queue_user_event_idx ON webhook_queue (user_id, event_id);

-- The delivery log: one row per attempt.
CREATE TABLE webhook_deliveries (
    user_id         text        NOT NULL,
    id              uuid        NOT NULL,
    subscription_id uuid        NOT NULL,
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    attempt         integer     NOT NULL,
    status_code     integer,
    error           text,
    duration_ms     integer     NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_retry_at   timestamptz,
    CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (user_id, id),
    CONSTRAINT webhook_deliveries_queue_fkey FOREIGN KEY (user_id, subscription_id, event_id)
        REFERENCES webhook_queue (user_id, subscription_id, event_id) ON DELETE CASCADE
);

CREATE INDEX webhook_deliveries_user_subscription_idx
    ON webhook_deliveries (user_id, subscription_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_user_created_idx ON webhook_deliveries (user_id, created_at);
CREATE INDEX webhook_deliveries_queue_idx ON webhook_deliveries (user_id, subscription_id, event_id);

-- The outbox, for any table whose rows have user_id and id (tasks; lists): one event per changed
-- row, whatever statement changed it (cascades and batches included), in the writing transaction
-- (a rollback leaves none). A user without an enabled subscription that wants the event costs one
-- index lookup. An update that leaves `version` as it was (bookkeeping such as next_id) is no
-- change; a task that becomes completed is task.completed alone.
CREATE FUNCTION webhook_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind       text := left(TG_TABLE_NAME, -1);  -- tasks -> task, lists -> list
    owner      text;
    event_type text;
    new_row    jsonb;
    old_row    jsonb;
    payload    jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        owner := OLD.user_id;
    ELSE
        owner := NEW.user_id;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.user_id = owner AND s.enabled) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        event_type := kind || '.deleted';
        payload := jsonb_build_object('id', OLD.id);
    ELSIF TG_OP = 'INSERT' THEN
        payload := to_jsonb(NEW);
        IF coalesce((payload ->> 'is_inbox')::boolean, false) THEN
            RETURN NULL;  -- the Inbox is there from a user's first request on: nobody created it
        END IF;
        event_type := kind || '.created';
    ELSE
        new_row := to_jsonb(NEW);
        old_row := to_jsonb(OLD);
        IF new_row ? 'version' THEN
            IF new_row -> 'version' = old_row -> 'version' THEN
                RETURN NULL;
            END IF;
        ELSIF new_row = old_row THEN
            RETURN NULL;
        END IF;
        IF coalesce((new_row ->> 'completed')::boolean, false)
           AND NOT coalesce((old_row ->> 'completed')::boolean, false) THEN
            event_type := kind || '.completed';
        ELSE
            event_type := kind || '.updated';
        END IF;
        payload := new_row;
    END IF;
    IF EXISTS (
        SELECT 1 FROM webhook_subscriptions s
        WHERE s.user_id = owner AND s.enabled AND (event_type = ANY (s.events) OR '*' = ANY (s.events))
    ) THEN
        INSERT INTO webhook_events (user_id, type, data) VALUES (owner, event_type, payload);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tasks_webhook_outbox AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION webhook_outbox();

CREATE TRIGGER lists_webhook_outbox AFTER INSERT OR UPDATE OR DELETE ON lists
    FOR EACH ROW EXECUTE FUNCTION webhook_outbox();

-- At commit (a deferred trigger), each event is queued for the subscriptions that want it. The
-- advisory lock, held until the commit is visible, makes one user's commits take their `seq`
-- one after another: a worker never sees a later position before an earlier one. NOTIFY wakes
-- the workers when the transaction commits.
CREATE FUNCTION webhook_events_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('taskapi.webhooks:' || NEW.user_id, 0));
    INSERT INTO webhook_queue (user_id, subscription_id, event_id, seq)
    SELECT s.user_id, s.id, NEW.id, nextval('webhook_queue_seq')
    FROM webhook_subscriptions s
    WHERE s.user_id = NEW.user_id AND s.enabled AND (NEW.type = ANY (s.events) OR '*' = ANY (s.events))
    ORDER BY s.id;
    PERFORM pg_notify('taskapi_webhooks', '');
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER webhook_events_enqueue AFTER INSERT ON webhook_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION webhook_events_enqueue();
