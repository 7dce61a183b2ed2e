-- Every list of %(user_id)s in order (position, then id), as the API shows a list: exactly the
-- fields of taskapi.schemas.ListSchema, so a sidebar of hundreds of lists goes out as read.
SELECT id, name, color, is_inbox, position, open_tasks, version, created_at, updated_at
FROM lists WHERE user_id = %(user_id)s ORDER BY position, id;
