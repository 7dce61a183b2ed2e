-- Up to %(limit)s changes of %(user_id)s after position (%(xid)s, %(seq)s), oldest first: tasks and
-- lists written, and tasks and lists deleted (when %(with_deleted)s). Only changes of
-- transactions older than every transaction still running are handed out (xid < the
-- snapshot's xmin): those are all committed or gone, so no change can later appear behind a
-- position already handed out. A list's row is read apart (sync/lists by id).
WITH horizon AS (
    SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin
), changes AS (
    (SELECT t.change_xid, t.change_seq, t.id, false AS deleted, 'task' AS kind
     FROM tasks AS t, horizon AS h
     WHERE t.user_id = %(user_id)s
       AND (t.change_xid, t.change_seq) > (%(xid)s::xid8, %(seq)s::bigint)
       AND t.change_xid < h.xmin
     ORDER BY t.change_xid, t.change_seq
     LIMIT %(limit)s)
    UNION ALL
    (SELECT d.change_xid, d.change_seq, d.id, true AS deleted, 'task' AS kind
     FROM task_tombstones AS d, horizon AS h
     WHERE d.user_id = %(user_id)s AND %(with_deleted)s::boolean
       AND (d.change_xid, d.change_seq) > (%(xid)s::xid8, %(seq)s::bigint)
       AND d.change_xid < h.xmin
     ORDER BY d.change_xid, d.change_seq
     LIMIT %(limit)s)
    UNION ALL
    (SELECT l.change_xid, l.change_seq, l.id, false AS deleted, 'list' AS kind
     FROM lists AS l, horizon AS h
     WHERE l.user_id = %(user_id)s
       AND (l.change_xid, l.change_seq) > (%(xid)s::xid8, %(seq)s::bigint)
       AND l.change_xid < h.xmin
     ORDER BY l.change_xid, l.change_seq
     LIMIT %(limit)s)
    UNION ALL
    (SELECT e.change_xid, e.change_seq, e.id, true AS deleted, 'list' AS kind
     FROM list_tombstones AS e, horizon AS h
     WHERE e.user_id = %(user_id)s AND %(with_deleted)s::boolean
       AND (e.change_xid, e.change_seq) > (%(xid)s::xid8, %(seq)s::bigint)
       AND e.change_xid < h.xmin
     ORDER BY e.change_xid, e.change_seq
     LIMIT %(limit)s)
    ORDER BY change_xid, change_seq
    LIMIT %(limit)s
)
SELECT t.*, c.deleted AS sync_deleted, c.id AS sync_id, c.kind AS sync_kind,
       c.change_xid::text AS sync_xid, c.change_seq AS sync_seq
FROM changes AS c
-- LATERAL with LIMIT: one primary-key lookup per change, never a scan of all the user's tasks
LEFT JOIN LATERAL (
    SELECT * FROM tasks
    WHERE tasks.user_id = %(user_id)s AND tasks.id = c.id AND c.kind = 'task' AND NOT c.deleted
    LIMIT 1
) AS t ON true
ORDER BY c.change_xid, c.change_seq;
