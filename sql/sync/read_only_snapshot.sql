-- First statement of a sync read: every later statement of the transaction sees one snapshot,
-- so the purge horizon and the changes agree (no user data: it only sets the isolation level).
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;
