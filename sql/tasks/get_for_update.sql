-- One task of %(user_id)s by %(id)s, its row locked until the transaction ends.
SELECT * FROM tasks WHERE user_id = %(user_id)s AND id = %(id)s FOR UPDATE;
