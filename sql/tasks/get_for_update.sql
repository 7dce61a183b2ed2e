-- One task of %(user_id)s by %(id)s, its row locked until the transaction ends (taken after the
-- lock of its list, as every writer takes them).
SELECT * FROM tasks WHERE user_id = %(user_id)s AND id = %(id)s FOR UPDATE;
