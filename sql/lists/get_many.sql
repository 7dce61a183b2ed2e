-- The lists of %(user_id)s among %(ids)s.
SELECT * FROM lists WHERE user_id = %(user_id)s AND id = ANY (%(ids)s::uuid[]);
