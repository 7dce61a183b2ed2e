-- New positions for lists of %(user_id)s: %(ids)s[i] moves to %(positions)s[i] (a new version
-- only where the position really changes).
UPDATE lists SET position = p.position, version = lists.version + 1, updated_at = now()
FROM unnest(%(ids)s::uuid[], %(positions)s::integer[]) AS p (id, position)
WHERE lists.user_id = %(user_id)s AND lists.id = p.id AND lists.position <> p.position;
