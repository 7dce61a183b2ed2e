-- Placeholder until the search migration lands: changes nothing.
SELECT 1;
