-- The newest change position of %(user_id)s whose tombstone has been purged (no row: none yet);
-- a client whose cursor is before it may have missed that deletion.
SELECT purged_xid::text AS xid, purged_seq AS seq
FROM sync_horizons
WHERE user_id = %(user_id)s;
