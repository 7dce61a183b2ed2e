-- Every list of %(user_id)s in order (position, then id).
SELECT * FROM lists WHERE user_id = %(user_id)s ORDER BY position, id;
