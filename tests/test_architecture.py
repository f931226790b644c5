"""The layers ARCHITECTURE.md describes, checked from the code's imports.

A failure here names the module and the import that crosses a layer; the fix is to move
the code to the layer it belongs to, not to widen the table (unless ARCHITECTURE.md
changes with it, for a reason written there).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from qbank.domain.modes import COUNTED_MODES, Projection

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "qbank"

# What each layer may import from qbank (a layer is a subpackage or a top-level module).
MAY_IMPORT: dict[str, set[str]] = {
    "domain": {"domain"},
    "presentation": {"domain", "presentation"},
    "importers": {"domain", "importers", "models"},
    "models": {"models", "extensions", "domain"},
    "services": {
        "services",
        "models",
        "domain",
        "importers",
        "presentation",
        "extensions",
        "database",
        "logs",
    },
    "extensions": set(),
    "clock": set(),
    "logs": set(),
    "config": {"domain"},
    "database": {"extensions"},
}
# Libraries a layer must not use: the web framework stays out of the rules, the
# database out of the formats, forms and the signed-in user out of the services.
WEB = {"flask", "flask_login", "flask_wtf", "flask_sqlalchemy", "flask_migrate", "werkzeug"}
MUST_NOT_USE: dict[str, set[str]] = {
    "domain": WEB | {"sqlalchemy", "wtforms", "markupsafe"},
    "presentation": WEB | {"sqlalchemy", "wtforms"},
    "importers": WEB | {"sqlalchemy", "wtforms"},
    "models": {"flask", "flask_wtf", "wtforms"},
    "services": {"flask_login", "flask_wtf", "wtforms"},
}
# The one thing a service may take from Flask: the app's settings.
SERVICES_FROM_FLASK = {"current_app"}


def modules(package: Path = PACKAGE) -> Iterator[tuple[str, Path]]:
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if rel.parts[0] == "migrations":
            continue
        yield (rel.parts[0] if len(rel.parts) > 1 else rel.stem), path


def imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) for every import; names is empty for ``import x``."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: use absolute imports"
            module = node.module or ""
            names = [alias.name for alias in node.names]
            if module == "qbank":  # from qbank import clock
                for name in names:
                    yield node.lineno, f"qbank.{name}", []
            else:
                yield node.lineno, module, names


def crossings(package: Path = PACKAGE) -> list[str]:
    found = []
    for layer, path in modules(package):
        allowed = MAY_IMPORT.get(layer)
        banned = MUST_NOT_USE.get(layer, set())
        where = path.relative_to(package.parent)
        for line, module, names in imports(path):
            top, *rest = module.split(".")
            if top == "qbank":
                target = rest[0] if rest else ""
                if allowed is not None and target not in allowed:
                    found.append(f"{where}:{line}: {layer} imports qbank.{target}")
            elif top in banned:
                found.append(f"{where}:{line}: {layer} uses {top}")
            elif layer == "services" and top == "flask":
                extra = set(names) - SERVICES_FROM_FLASK
                if module != "flask" or extra:
                    found.append(f"{where}:{line}: services use flask ({', '.join(names)})")
            elif layer == "views" and top == "sqlalchemy" and module != "sqlalchemy.exc":
                found.append(f"{where}:{line}: a view queries (sqlalchemy): ask a service")
    return found


def test_each_layer_imports_only_what_it_may():
    assert crossings() == []


def test_the_check_sees_a_crossing(tmp_path):
    (tmp_path / "qbank" / "domain").mkdir(parents=True)
    (tmp_path / "qbank" / "views").mkdir()
    (tmp_path / "qbank" / "domain" / "rule.py").write_text(
        "import flask\nfrom qbank.services import study\n"
    )
    (tmp_path / "qbank" / "views" / "page.py").write_text("import sqlalchemy as sa\n")
    assert crossings(tmp_path / "qbank") == [
        "qbank/domain/rule.py:1: domain uses flask",
        "qbank/domain/rule.py:2: domain imports qbank.services",
        "qbank/views/page.py:1: a view queries (sqlalchemy): ask a service",
    ]


CLOCK_READS = re.compile(r"\b(datetime\.(now|utcnow|today)|date\.today|time\.time)\(")


def test_only_the_clock_reads_the_time():
    readers = [
        f"{path.relative_to(ROOT)}:{n}"
        for layer, path in modules()
        if layer != "clock"
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if CLOCK_READS.search(line)
    ]
    assert readers == []


def test_no_test_imports_a_conftest():
    importers = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for _, module, _ in imports(path)
        if module.split(".")[-1] == "conftest"
    ]
    assert importers == []


def architecture_mode_table() -> dict[str, set[str]]:
    """The rows of ARCHITECTURE.md's table of which modes each projection counts."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    table = text.split("<!-- counted-modes -->", 2)[1]
    rows = {}
    for line in table.strip().splitlines()[2:]:  # after the header and its rule
        projection, modes, *_ = (cell.strip() for cell in line.strip("|").split("|"))
        rows[projection] = set(re.findall(r"`(\w+)`", modes))
    return rows


def test_the_architecture_note_shows_the_modes_each_projection_counts():
    expected = {
        str(projection): {str(mode) for mode in COUNTED_MODES[projection]}
        for projection in Projection
    }
    assert architecture_mode_table() == expected
