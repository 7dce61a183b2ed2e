"""The documentation matches the app: docs/api.md lists exactly the served operations, every
setting is documented for operators, and every relative link points at a file in the repository."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import falcon.testing

from tests.test_env_example import settings_read_by_taskapi

ROOT = Path(__file__).resolve().parent.parent
API_DOC = ROOT / "docs" / "api.md"
OPERATING_DOC = ROOT / "docs" / "operating.md"
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
# a row of the route table: | GET | `/api/v1/tasks/{task_id}` | 200 | notes |
ROUTE_ROW = re.compile(r"^\|\s*([A-Z]+)\s*\|\s*`(/[^`]*)`\s*\|", re.MULTILINE)
FENCED_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INDENTED_BLOCK = re.compile(r"(?:^(?: {4}|\t).*\n?)+", re.MULTILINE)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def doc_files() -> list[Path]:
    return [
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        ROOT / "bench" / "README.md",
        *sorted((ROOT / "docs").glob("*.md")),
    ]


def section(text: str, title: str) -> str:
    """The body of the `## title` section of a markdown text."""
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def documented_routes() -> set[tuple[str, str]]:
    rows = ROUTE_ROW.findall(section(API_DOC.read_text(), "Routes"))
    return {(method.lower(), path) for method, path in rows}


def openapi_operations(client: falcon.testing.TestClient) -> set[tuple[str, str]]:
    paths = client.simulate_get("/openapi.json").json["paths"]
    return {(method, path) for path, item in paths.items() for method in item if method in HTTP_METHODS}


def prose(text: str) -> str:
    """Markdown without code: a link-like text inside a code block or span is not a link."""
    return INLINE_CODE.sub("", INDENTED_BLOCK.sub("", FENCED_BLOCK.sub("", text)))


def links(path: Path) -> list[str]:
    return LINK.findall(prose(path.read_text()))


def anchors(path: Path) -> set[str]:
    """GitHub's ids for the headings of a markdown file: lower case, punctuation dropped, - for spaces."""
    found = set()
    for heading in HEADING.findall(prose(path.read_text().replace("`", ""))):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_the_route_table_parser_reads_method_and_path() -> None:
    table = "\n## Routes\n\n| method | path |\n| --- | --- |\n| GET | `/health` | 200 | x |\n"
    assert ROUTE_ROW.findall(section(table, "Routes")) == [("GET", "/health")]


def test_every_route_in_the_api_docs_is_an_operation_of_the_app(client: falcon.testing.TestClient) -> None:
    documented = documented_routes()
    assert len(documented) >= 10, "docs/api.md has no route table under '## Routes'"
    assert documented - openapi_operations(client) == set(), "documented in docs/api.md but not served"


def test_every_operation_of_the_app_is_in_the_api_docs(client: falcon.testing.TestClient) -> None:
    missing = openapi_operations(client) - documented_routes()
    assert missing == set(), "served (in /openapi.json) but missing from docs/api.md's route table"


def test_every_setting_taskapi_reads_is_documented_for_operators() -> None:
    text = OPERATING_DOC.read_text()
    undocumented = {name for name in settings_read_by_taskapi() if f"`{name}`" not in text}
    assert undocumented == set(), "add these settings to docs/operating.md"


def test_the_link_parser_skips_code_and_reads_titles_and_images() -> None:
    text = '[a](x.md) `[b](y.md)` ![c](img.png "t")\n\n```\n[d](z.md)\n```\n\n    [e](w.md)\n'
    assert LINK.findall(prose(text)) == ["x.md", "img.png"]


def test_every_documentation_link_stays_in_the_repository_and_finds_its_target() -> None:
    broken = []
    for doc in doc_files():
        for target in links(doc):
            if re.match(r"https?://", target):
                continue
            where, _, fragment = target.partition("#")
            if re.match(r"[a-z][a-z0-9+.-]*:", where) or where.startswith("/"):
                broken.append(f"{doc.relative_to(ROOT)}: {target} (only relative links or http(s) URLs)")
                continue
            file = (doc.parent / unquote(where)).resolve() if where else doc
            if not file.is_relative_to(ROOT):
                broken.append(f"{doc.relative_to(ROOT)}: {target} (outside the repository)")
            elif not file.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target} (no such file)")
            elif fragment and file.suffix == ".md" and fragment not in anchors(file):
                broken.append(f"{doc.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == [], "\n".join(broken)


def _code_map() -> dict[str, str]:
    """The README's layout block: each top-level entry and the text of its lines (its own and the
    indented ones under it)."""
    text = (ROOT / "README.md").read_text()
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    entries: dict[str, str] = {}
    current = ""
    for line in block.splitlines():
        if line and not line.startswith(" "):
            current = line.split()[0]
            entries[current] = line
        elif current:
            entries[current] += "\n" + line
    return entries


def test_the_readme_code_map_matches_the_tree() -> None:
    entries = _code_map()
    missing = []
    for path in sorted((ROOT / "taskapi").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if path.name == "__init__.py" or "assets" in relative.parts:
            continue
        if len(relative.parts) == 2:
            if relative.as_posix() not in entries:
                missing.append(relative.as_posix())
        else:
            package = "/".join(relative.parts[:2]) + "/"
            if path.name not in entries.get(package, ""):
                missing.append(relative.as_posix())
    assert missing == [], "in the tree but not in the README's layout"
    named = [entry for entry in entries if entry.startswith("taskapi/")]
    assert [entry for entry in named if not (ROOT / entry).exists()] == [], (
        "in the layout but not in the tree"
    )
