-- depends: 0004.sync-and-idempotency
-- Placeholder until the search migration lands: changes nothing.
SELECT 1;
