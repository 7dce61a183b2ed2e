-- One task of %(user_id)s by %(id)s.
SELECT * FROM tasks WHERE user_id = %(user_id)s AND id = %(id)s;
