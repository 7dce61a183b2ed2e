"""Every statement in sql/ is scoped to one user: proven by parsing each file with PostgreSQL's parser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pglast
import pytest
from pglast import ast

from taskapi.db import SQL_DIR, load_queries

AND = 0  # pglast's BoolExprType.AND_EXPR


def _nodes(node: object) -> Iterator[ast.Node]:
    if isinstance(node, ast.Node):
        yield node
        for slot in node.__slots__:
            yield from _nodes(getattr(node, slot, None))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _nodes(item)


def _is_param(node: object) -> bool:
    return isinstance(node, ast.ParamRef) or (isinstance(node, ast.TypeCast) and _is_param(node.arg))


def _user_id_of(node: object) -> str | None:
    """The qualifier of a `[q.]user_id` column reference ('' when unqualified), else None."""
    if isinstance(node, ast.ColumnRef) and node.fields[-1].sval == "user_id":
        return node.fields[0].sval if len(node.fields) == 2 else ""
    return None


def _scoped_names(where: object) -> set[str]:
    """Qualifiers q with a top-level conjunct `q.user_id = <parameter>` ('' for an unqualified one)."""
    conjuncts = where.args if isinstance(where, ast.BoolExpr) and where.boolop == AND else [where]
    names = set()
    for expr in conjuncts:
        if isinstance(expr, ast.A_Expr) and expr.name[0].sval == "=":
            for column, value in ((expr.lexpr, expr.rexpr), (expr.rexpr, expr.lexpr)):
                if (name := _user_id_of(column)) is not None and _is_param(value):
                    names.add(name)
    return names


def _tables(stmt: ast.Node, ctes: set[str]) -> list[ast.RangeVar]:
    """The tables a statement reads or writes directly (subqueries are statements of their own)."""
    direct: list[ast.RangeVar] = []
    roots = [
        getattr(stmt, "relation", None),
        getattr(stmt, "fromClause", None),
        getattr(stmt, "usingClause", None),
    ]

    def collect(node: object) -> None:
        if isinstance(node, ast.RangeVar):
            if node.relname not in ctes:
                direct.append(node)
        elif isinstance(node, ast.JoinExpr):
            collect(node.larg)
            collect(node.rarg)
        elif isinstance(node, list | tuple):
            for item in node:
                collect(item)

    for root in roots:
        collect(root)
    return direct


def unscoped(sql_text: str) -> list[str]:
    """What in `sql_text` touches a table without `user_id = <parameter>`; [] when all is scoped."""
    placeholders = re.sub(r"%\((\w+)\)s", lambda m: "$1", sql_text).replace("%%", "%")
    problems = []
    for raw in pglast.parse_sql(placeholders):
        nodes = list(_nodes(raw.stmt))
        ctes = {n.ctename for n in nodes if isinstance(n, ast.CommonTableExpr)}
        for stmt in nodes:
            if isinstance(stmt, ast.SelectStmt | ast.UpdateStmt | ast.DeleteStmt):
                tables = _tables(stmt, ctes)
                scoped = _scoped_names(stmt.whereClause)
                for table in tables:
                    name = table.alias.aliasname if table.alias else table.relname
                    if name not in scoped and not ("" in scoped and len(tables) == 1):
                        problems.append(
                            f"{type(stmt).__name__} on {table.relname} without {name}.user_id = param"
                        )
            elif isinstance(stmt, ast.InsertStmt):
                columns = [c.name for c in stmt.cols or ()]
                if "user_id" not in columns:
                    problems.append(f"INSERT into {stmt.relation.relname} without a user_id column")
                elif stmt.selectStmt.valuesLists:
                    for row in stmt.selectStmt.valuesLists:
                        if not _is_param(row[columns.index("user_id")]):
                            problems.append(
                                f"INSERT into {stmt.relation.relname} with user_id not a parameter"
                            )
    return problems


SQL_FILES = sorted(SQL_DIR.glob("*/*.sql"))
# the statements that serve every user by design, and why; each says so in its leading comment
ACROSS_USERS = {
    "webhook_queue/claim": "a delivery worker leases due deliveries of any user; what it then "
    "reads and writes for one of them is scoped to that user",
}


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.relative_to(SQL_DIR).as_posix())
def test_every_statement_is_scoped_to_one_user(path: Path) -> None:
    name = path.relative_to(SQL_DIR).with_suffix("").as_posix()
    if name in ACROSS_USERS:
        assert unscoped(path.read_text()) != [], "scoped after all: drop it from ACROSS_USERS"
        assert path.read_text().startswith("-- Across users"), "say so first"
    else:
        assert unscoped(path.read_text()) == []


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.relative_to(SQL_DIR).as_posix())
def test_every_file_is_one_statement_with_a_leading_comment(path: Path) -> None:
    text = path.read_text()
    assert text.startswith("-- "), "start with a comment saying what it does and its parameters"
    assert len(pglast.parse_sql(re.sub(r"%\(\w+\)s", "$1", text))) == 1


def test_the_loader_reads_every_file() -> None:
    assert set(load_queries()) == {p.relative_to(SQL_DIR).with_suffix("").as_posix() for p in SQL_FILES}


@pytest.mark.parametrize(
    "sql_text",
    [
        "SELECT * FROM tasks WHERE id = %(id)s",
        "SELECT * FROM tasks WHERE user_id = %(user_id)s OR true",
        "SELECT * FROM tasks WHERE user_id = user_id",
        "UPDATE tasks SET title = %(t)s WHERE id = %(id)s",
        "DELETE FROM tasks",
        "SELECT * FROM tasks a JOIN tasks b ON a.id = b.id WHERE a.user_id = %(user_id)s",
        "SELECT * FROM tasks WHERE user_id = %(user_id)s AND id IN (SELECT previous_id FROM tasks)",
        "INSERT INTO tasks (id, title) VALUES (%(id)s, %(title)s)",
        "INSERT INTO tasks (user_id, id) VALUES ('someone', %(id)s)",
        "WITH d AS (DELETE FROM tasks WHERE id = %(id)s RETURNING id) SELECT * FROM d",
    ],
)
def test_the_check_catches_unscoped_statements(sql_text: str) -> None:
    assert unscoped(sql_text) != []


def test_the_check_accepts_scoped_shapes() -> None:
    assert unscoped("SELECT * FROM tasks t WHERE t.user_id = %(user_id)s::text AND t.id = %(id)s") == []
    assert unscoped("WITH d AS (DELETE FROM tasks WHERE user_id = %(u)s RETURNING id) SELECT * FROM d") == []
