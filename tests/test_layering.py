"""Only tui/ui/ may import Textual; protocol/ is stdlib only (DESIGN.md layering)."""
import ast
import sys
from pathlib import Path

TUI = Path(__file__).resolve().parent.parent / "tui"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_ui_layer_imports_textual():
    offenders = [
        str(p.relative_to(TUI.parent))
        for p in TUI.rglob("*.py")
        if "ui" not in p.relative_to(TUI).parts[:1] and "textual" in imported_modules(p)
    ]
    assert offenders == []


def test_protocol_layer_imports_only_the_standard_library():
    allowed = set(sys.stdlib_module_names) | {"tui"}
    offenders = {
        str(p.relative_to(TUI.parent)): sorted(imported_modules(p) - allowed)
        for p in (TUI / "protocol").rglob("*.py")
        if imported_modules(p) - allowed
    }
    assert offenders == {}
