-- Up to %(limit)s lists of %(user_id)s after (%(after_position)s, %(after_id)s) in order, leaving
-- out %(exclude_id)s.
SELECT id, position FROM lists
WHERE user_id = %(user_id)s
  AND (position, id) > (CAST(%(after_position)s AS integer), %(after_id)s::uuid)
  AND id <> %(exclude_id)s
ORDER BY position, id
LIMIT %(limit)s;
