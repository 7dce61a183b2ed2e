-- Store the answer to key %(key)s of %(user_id)s until %(ttl_seconds)s from now (an expired
-- answer under the same key is replaced).
INSERT INTO idempotency_keys (user_id, key, request_hash, status, headers, body, expires_at)
VALUES (
    %(user_id)s, %(key)s, %(request_hash)s, %(status)s, %(headers)s, %(body)s,
    now() + make_interval(secs => %(ttl_seconds)s)
)
ON CONFLICT (user_id, key) DO UPDATE SET
    request_hash = EXCLUDED.request_hash,
    status = EXCLUDED.status,
    headers = EXCLUDED.headers,
    body = EXCLUDED.body,
    created_at = EXCLUDED.created_at,
    expires_at = EXCLUDED.expires_at
WHERE idempotency_keys.user_id = %(user_id)s;
