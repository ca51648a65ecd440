"""The import order of the apps (pyproject.toml [tool.importlinter]), checked by import-linter:
core <- accounts <- realtime <- games (rules pure) <- stats <- notifications; config on top; no
circle between the modules of one app. The contracts hold for the tree, and they do catch a
lower layer importing a higher one (fixture modules dropped into a copy of the tree)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PACKAGES = ("testing", "config", "notifications", "stats", "games", "realtime", "accounts", "core")
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed argv
        [LINT_IMPORTS, "--no-cache", "--no-logo", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path):
    """A copy of the project's packages (code only) and its pyproject.toml."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "static", "templates", "locale")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_import_contract(tree):
    result = lint_imports(tree)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("fixtures", "broken"),
    [
        ({"lower_imports_higher.py": "core/_fixture.py"}, "Every import points down"),
        ({"local_import_up.py": "realtime/_fixture.py"}, "Every import points down"),
        (
            {"circle_a.py": "games/_fixture_a.py", "circle_b.py": "games/_fixture_b.py"},
            "No circles between the modules of one app",
        ),
    ],
    ids=["kernel-imports-an-app", "function-local-import-up", "circle-inside-an-app"],
)
def test_a_forbidden_import_breaks_the_contract(tree, fixtures, broken):
    for fixture, target in fixtures.items():
        shutil.copy(FIXTURES / fixture, tree / target)

    result = lint_imports(tree)

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{broken}" in result.stdout
    assert "BROKEN" in result.stdout


def test_the_rules_engines_may_not_import_django(tree):
    (tree / "games" / "rules" / "_fixture.py").write_text("import django  # noqa: F401\n")

    result = lint_imports(tree)

    assert result.returncode == 1
    assert "The rules engines are pure Python" in result.stdout
