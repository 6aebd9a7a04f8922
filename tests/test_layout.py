"""The suite's own shape: a test module imports helpers, never another test module.

Importing a test module runs it again under a second name and pulls its fixtures into the
importer, and the helper a test needs hides among tests it does not. Helpers that several apps'
tests share live in tests/helpers/, one app's in tests/<app>/helpers.py (or its helpers/
package), factories in tests/factories.py, personas in tests/conftest.py. Checked on the source
(every import, also one inside a function), so no database.

`test_check_rejects_*` feeds the checker each way of importing a test module, so that a checker
which stopped looking would be noticed.
"""

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts)


def is_test_module(name: str) -> bool:
    return name.rsplit(".", 1)[-1].startswith("test_")


def imported_test_modules(source: str, module: str) -> list[tuple[int, str]]:
    """(line, module) for each import of a test module in `source`, the code of `module`."""
    package = module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package of `module`, `level - 1` packages up
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            # `from package import test_x` imports the module test_x.
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found += [(node.lineno, name) for name in names if is_test_module(name)]
    return found


def test_no_test_module_imports_another_test_module():
    offenders = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for path in sorted(TESTS.rglob("*.py"))
        for line, name in imported_test_modules(path.read_text(), module_name(path))
    ]
    assert not offenders, (
        "A test module imports another test module; move what it needs to tests/helpers/ or "
        "tests/<app>/helpers.py:\n" + "\n".join(offenders)
    )


def test_the_walk_reads_the_whole_suite():
    paths = {path.relative_to(TESTS).as_posix() for path in TESTS.rglob("*.py")}
    assert {"conftest.py", "helpers/files.py", "credits/test_import.py"} <= paths
    assert "league/test_staff_access.py" in paths


@pytest.mark.parametrize(
    "source,module",
    [
        ("from tests.credits.test_import import line", "tests.league.test_x"),
        ("from .test_import import line", "tests.credits.test_x"),
        ("from ..credits.test_import import line", "tests.league.test_x"),
        ("from . import test_import", "tests.credits.test_x"),
        ("from tests.credits import test_import", "tests.league.test_x"),
        ("import tests.credits.test_import", "tests.league.test_x"),
        ("def test_y():\n    from tests.challenges.test_concurrency import at_once\n", "tests.x"),
    ],
)
def test_check_rejects_each_way_of_importing_a_test_module(source, module):
    assert [name for _line, name in imported_test_modules(source, module)] != []


@pytest.mark.parametrize(
    "source,module",
    [
        ("from tests.credits.helpers.billing_files import line", "tests.league.test_x"),
        ("from tests.conftest import client_for", "tests.league.test_x"),
        ("from tests.helpers.concurrency import at_once", "tests.partners.test_x"),
        ("from .helpers import STAFF_EMAIL", "tests.e2e.test_x"),
        ("from credits.billing_import import parser", "tests.credits.test_x"),
    ],
)
def test_check_accepts_helpers_and_the_code_under_test(source, module):
    assert imported_test_modules(source, module) == []
