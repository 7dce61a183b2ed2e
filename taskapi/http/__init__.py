"""The HTTP edge: middleware, problem+json errors, media, conditional requests, idempotency, browsers."""
