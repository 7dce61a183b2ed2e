-- Delete task %(id)s of %(user_id)s when its version is one of %(versions)s (NULL: any).
DELETE FROM tasks
WHERE user_id = %(user_id)s AND id = %(id)s
  AND (%(versions)s::int[] IS NULL OR version = ANY (%(versions)s::int[]))
RETURNING id;
