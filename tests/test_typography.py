"""French typography of the texts the pages write: a space before « ; », never « 95% »."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "observatoire").rglob("*.py"))


def ui_strings(path: Path) -> list[str]:
    """String literals (f-string parts included) except docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_french_punctuation(path):
    bad = [text for text in ui_strings(path) if "<style>" not in text and "<script>" not in text  # nor CSS, JS
           and not re.search(r"[a-z-]+: [^;]+; [a-z-]+:", text) and text.strip(" ;")  # nor a CSS rule, a separator
           and (re.search(r"(^|[A-Za-zÀ-ÿ0-9»)]); ", text) or re.search(r"\d%", text))]
    assert bad == []
