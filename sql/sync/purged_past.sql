-- Whether a tombstone of %(user_id)s after position (%(xid)s, %(seq)s) has been purged (then a
-- client at that position may have missed a deletion).
SELECT (purged_xid, purged_seq) > (%(xid)s::xid8, %(seq)s::bigint) AS purged_past
FROM sync_horizons
WHERE user_id = %(user_id)s;
