-- How many tasks %(user_id)s has.
SELECT count(*) AS total FROM tasks WHERE user_id = %(user_id)s;
