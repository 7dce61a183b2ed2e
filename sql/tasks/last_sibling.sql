-- The last task of %(user_id)s in the sibling group (list %(list_id)s, parent %(parent_id)s,
-- NULL: top level), leaving out %(exclude_id)s.
(SELECT id, position FROM tasks
 WHERE user_id = %(user_id)s AND list_id = %(list_id)s AND parent_id IS NULL
   AND %(parent_id)s::uuid IS NULL AND id <> %(exclude_id)s
 ORDER BY position DESC, id DESC
 LIMIT 1)
UNION ALL
(SELECT id, position FROM tasks
 WHERE user_id = %(user_id)s AND parent_id = %(parent_id)s::uuid AND id <> %(exclude_id)s
 ORDER BY position DESC, id DESC
 LIMIT 1);
