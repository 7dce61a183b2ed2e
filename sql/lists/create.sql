-- Insert list %(id)s of %(user_id)s, unless they already keep %(max_lists)s lists (then no row).
INSERT INTO lists (user_id, id, name, color, position)
SELECT %(user_id)s, %(id)s, %(name)s, %(color)s, %(position)s
WHERE (SELECT count(*) FROM lists WHERE user_id = %(user_id)s) < %(max_lists)s
RETURNING *;
