-- Delete list %(id)s of %(user_id)s (its tasks are deleted first, in the same transaction).
DELETE FROM lists WHERE user_id = %(user_id)s AND id = %(id)s RETURNING id;
