"""The database: the pool opened per worker, the SQL files, the pooler check and the migrations.
Imports nothing of the web."""

from taskapi.db.pool import (
    SQL_DIR,
    Database,
    DatabaseUnavailable,
    PreparedStatementMismatch,
    TransactionConflict,
    load_queries,
)

__all__ = [
    "SQL_DIR",
    "Database",
    "DatabaseUnavailable",
    "PreparedStatementMismatch",
    "TransactionConflict",
    "load_queries",
]
