-- Lock the lists of %(user_id)s among %(ids)s, in id order (every writer locks lists in this
-- order, and before any of their tasks, so writers cannot deadlock); returns those that exist.
SELECT * FROM lists WHERE user_id = %(user_id)s AND id = ANY (%(ids)s::uuid[])
ORDER BY id
FOR NO KEY UPDATE;
