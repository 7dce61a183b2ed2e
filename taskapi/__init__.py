"""taskapi: a multi-user task-management REST API (Falcon, raw SQL, PostgreSQL)."""
