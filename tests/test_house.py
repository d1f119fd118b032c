"""The house's rules that an import linter cannot say: what pages may import, and the layers contract runs."""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Pages read data through queries, draw through ui and present, and may name catalogue entries, vocabulary,
# formats and dates: nothing else of the package (no Store, no SQL, no domain computation).
PAGE_MAY_IMPORT = {"observatoire.queries", "observatoire.ui", "observatoire.present", "observatoire.domain.indicators",
                   "observatoire.base.vocabulary", "observatoire.base.formatting", "observatoire.base.dates"}


def imported_modules(path: Path) -> set[str]:
    """Every observatoire module a file imports, at any nesting level (`from a import b` gives a.b when b is a
    module of a)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                module_file = ROOT / (candidate.replace(".", "/") + ".py")
                package = ROOT / candidate.replace(".", "/")
                found.add(candidate if module_file.exists() or package.is_dir() else node.module)
    return {name for name in found if name.split(".")[0] == "observatoire"}


def allowed(module: str) -> bool:
    return any(module == rule or module.startswith(rule + ".") for rule in PAGE_MAY_IMPORT)


@pytest.mark.parametrize("page", sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"], ids=lambda p: p.name)
def test_pages_import_only_the_page_api(page):
    assert sorted(m for m in imported_modules(page) if not allowed(m)) == []


def test_imported_modules_sees_nested_and_module_imports(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("from observatoire.domain import measures\n"
                    "def f():\n    from observatoire.base.db import Scope\n", encoding="utf-8")
    assert imported_modules(page) == {"observatoire.domain.measures", "observatoire.base.db"}
    assert not allowed("observatoire.domain.measures") and allowed("observatoire.present.charts")


def test_layers_contract_is_kept():
    linter = Path(sys.executable).with_name("lint-imports")
    # PYTHONPATH: the packages of this checkout, not those an editable install points to.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([str(linter)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
