-- Up to %(limit)s tasks of %(user_id)s in the sibling group (list %(list_id)s, parent
-- %(parent_id)s, NULL: top level) after (%(after_position)s, %(after_id)s) in order, leaving out
-- %(exclude_id)s. One branch runs, the other is cut by its constant condition.
(SELECT id, position FROM tasks
 WHERE user_id = %(user_id)s AND list_id = %(list_id)s AND parent_id IS NULL
   AND %(parent_id)s::uuid IS NULL
   AND (position, id) > (CAST(%(after_position)s AS integer), %(after_id)s::uuid)
   AND id <> %(exclude_id)s
 ORDER BY position, id
 LIMIT %(limit)s)
UNION ALL
(SELECT id, position FROM tasks
 WHERE user_id = %(user_id)s AND parent_id = %(parent_id)s::uuid
   AND (position, id) > (CAST(%(after_position)s AS integer), %(after_id)s::uuid)
   AND id <> %(exclude_id)s
 ORDER BY position, id
 LIMIT %(limit)s)
ORDER BY position, id
LIMIT %(limit)s;
