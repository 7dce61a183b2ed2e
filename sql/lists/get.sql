-- One list of %(user_id)s by %(id)s.
SELECT * FROM lists WHERE user_id = %(user_id)s AND id = %(id)s;
