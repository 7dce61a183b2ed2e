""".env.example lists every setting taskapi reads, and only those, with values config.py accepts."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from taskapi.config import load_config

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
# a setting line, active or commented out: `NAME=value` or `# NAME=value`
SETTING_LINE = re.compile(r"^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$")


def settings_read_by(source: str) -> set[str]:
    """The NAMEs of `env.<type>("NAME", ...)`, `os.environ.get("NAME")`, `os.environ["NAME"]`,
    `os.getenv("NAME")` in `source`."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute):
            owner = ast.unparse(node.func.value)
            if owner == "env" or (owner, node.func.attr) in {("os.environ", "get"), ("os", "getenv")}:
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
    return names


def settings_read_by_taskapi() -> set[str]:
    return set().union(*(settings_read_by(path.read_text()) for path in (ROOT / "taskapi").rglob("*.py")))


def example_lines() -> list[tuple[bool, str, str]]:
    """(active, name, value) for each setting line of .env.example."""
    found = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := SETTING_LINE.match(line):
            found.append((match[1] is None, match[2], match[3]))
    return found


def test_the_parser_finds_config_settings_in_every_form() -> None:
    source = "\n".join(
        [
            'env.str("A", "")',
            'env.int("B", 1, validate=x)',
            'os.environ.get("C")',
            'os.environ["D"]',
            'os.getenv("E")',
        ]
    )
    assert settings_read_by(source) == {"A", "B", "C", "D", "E"}
    assert {"DATABASE_URL", "JWT_SECRET", "WEB_THREADS"} <= settings_read_by_taskapi()


def test_every_setting_taskapi_reads_is_in_env_example() -> None:
    listed = {name for _, name, _ in example_lines()}
    assert settings_read_by_taskapi() - listed == set()


def test_env_example_lists_no_setting_taskapi_does_not_read() -> None:
    listed = {name for _, name, _ in example_lines()}
    assert listed - settings_read_by_taskapi() == set()


def test_env_example_lists_each_setting_once_with_a_comment_above_it() -> None:
    lines = ENV_EXAMPLE.read_text().splitlines()
    names = [name for _, name, _ in example_lines()]
    assert len(names) == len(set(names))
    for index, line in enumerate(lines):
        if SETTING_LINE.match(line):
            above = lines[: index + 1][::-1]
            # walk up over neighbouring setting lines (a group shares one comment) to the prose
            prose = next(text for text in above if not SETTING_LINE.match(text))
            assert prose.startswith("# ") and len(prose) > 10, f"no comment above {line!r}"


@pytest.mark.parametrize("with_optional", [False, True], ids=["as shipped", "every line uncommented"])
def test_env_example_values_are_accepted_by_config(
    monkeypatch: pytest.MonkeyPatch, with_optional: bool
) -> None:
    for name in settings_read_by_taskapi():
        monkeypatch.delenv(name, raising=False)
    for active, name, value in example_lines():
        if active or with_optional:
            monkeypatch.setenv(name, value)
    config = load_config()
    assert config.database_url.startswith("postgresql://")
    if with_optional:
        assert config.jwt_jwks_url == "https://auth.example.com/api/auth/jwks"
        assert config.cors_origins == ("http://localhost:3000", "https://app.example.com")
