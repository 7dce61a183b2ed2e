-- Lock list %(id)s of %(user_id)s against every other writer (no task can be added to it) until
-- the transaction ends.
SELECT * FROM lists WHERE user_id = %(user_id)s AND id = %(id)s FOR UPDATE;
