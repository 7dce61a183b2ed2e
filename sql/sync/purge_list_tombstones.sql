-- Delete at most %(limit)s list tombstones of %(user_id)s older than %(retention_seconds)s, and
-- move the user's purge horizon up to the newest change position purged (as for tasks).
WITH purged AS (
    DELETE FROM list_tombstones
    WHERE user_id = %(user_id)s
      AND id IN (
          SELECT id FROM list_tombstones
          WHERE user_id = %(user_id)s AND deleted_at < now() - make_interval(secs => %(retention_seconds)s)
          ORDER BY deleted_at
          LIMIT %(limit)s
      )
    RETURNING change_xid, change_seq
), newest AS (
    SELECT change_xid, change_seq FROM purged ORDER BY change_xid DESC, change_seq DESC LIMIT 1
)
INSERT INTO sync_horizons (user_id, purged_xid, purged_seq)
SELECT %(user_id)s, change_xid, change_seq FROM newest
ON CONFLICT (user_id) DO UPDATE SET
    purged_xid = EXCLUDED.purged_xid,
    purged_seq = EXCLUDED.purged_seq
WHERE sync_horizons.user_id = %(user_id)s
  AND (EXCLUDED.purged_xid, EXCLUDED.purged_seq) > (sync_horizons.purged_xid, sync_horizons.purged_seq);
