-- Fresh open copies of tasks of %(user_id)s: %(sources)s[i] copied as %(ids)s[i] under
-- %(parents)s[i] (same list, titles, descriptions, priorities, tags, time zones and positions).
INSERT INTO tasks (user_id, id, list_id, parent_id, title, description, priority, tags, timezone, position)
SELECT t.user_id, c.id, t.list_id, c.parent_id, t.title, t.description, t.priority, t.tags, t.timezone,
       t.position
FROM unnest(%(sources)s::uuid[], %(ids)s::uuid[], %(parents)s::uuid[]) WITH ORDINALITY
         AS c (source_id, id, parent_id, n)
JOIN tasks AS t ON t.id = c.source_id
WHERE t.user_id = %(user_id)s
ORDER BY c.n;
