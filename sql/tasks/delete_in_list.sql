-- Delete every task of %(user_id)s in list %(list_id)s (parents and subtasks in one statement).
DELETE FROM tasks WHERE user_id = %(user_id)s AND list_id = %(list_id)s;
