-- Store the writable fields of list %(id)s of %(user_id)s if it is still at %(version)s.
UPDATE lists SET
    name = %(name)s,
    color = %(color)s,
    position = %(position)s,
    version = version + 1,
    updated_at = now()
WHERE user_id = %(user_id)s AND id = %(id)s AND version = %(version)s
RETURNING *;
