-- New positions for tasks of %(user_id)s: %(ids)s[i] moves to %(positions)s[i] (a new version,
-- and so a place in the sync feed, only where the position really changes).
UPDATE tasks SET position = p.position, version = tasks.version + 1, updated_at = now()
FROM unnest(%(ids)s::uuid[], %(positions)s::integer[]) AS p (id, position)
WHERE tasks.user_id = %(user_id)s AND tasks.id = p.id AND tasks.position <> p.position;
