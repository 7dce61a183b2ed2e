-- Lock every list of %(user_id)s, in id order: what creating or moving a list does before it
-- computes positions, so list moves of one user take effect one at a time.
SELECT id, position FROM lists WHERE user_id = %(user_id)s ORDER BY id FOR NO KEY UPDATE;
