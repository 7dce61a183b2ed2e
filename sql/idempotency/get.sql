-- The stored answer to key %(key)s of %(user_id)s, unless it has expired.
SELECT request_hash, status, headers, body
FROM idempotency_keys
WHERE user_id = %(user_id)s AND key = %(key)s AND expires_at > now();
