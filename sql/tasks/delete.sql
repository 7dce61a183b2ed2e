-- Delete task %(id)s of %(user_id)s if it is still at %(version)s.
DELETE FROM tasks
WHERE user_id = %(user_id)s AND id = %(id)s AND version = %(version)s
RETURNING id;
