-- The last list of %(user_id)s in order, leaving out %(exclude_id)s.
SELECT id, position FROM lists
WHERE user_id = %(user_id)s AND id <> %(exclude_id)s
ORDER BY position DESC, id DESC
LIMIT 1;
