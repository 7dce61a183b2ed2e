-- One task of %(user_id)s by %(id)s, locked until the transaction ends (PATCH merges into it).
SELECT * FROM tasks WHERE user_id = %(user_id)s AND id = %(id)s FOR UPDATE;
