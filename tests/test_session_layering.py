"""tui/session/ is the Textual-free model: it imports the standard library and tui.protocol only;
tui/net/ and tui/core/ never import Textual."""
import ast
import sys
from pathlib import Path

TUI = Path(__file__).resolve().parent.parent / "tui"


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_session_model_imports_only_the_standard_library_and_the_protocol():
    offenders = {
        p.name: sorted(n for n in imports(p)
                       if n.split(".")[0] not in sys.stdlib_module_names and not n.startswith("tui.protocol"))
        for p in (TUI / "session").glob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_net_and_core_never_import_textual():
    offenders = [str(p) for folder in ("net", "core") for p in (TUI / folder).glob("*.py")
                 if any(n.split(".")[0] in ("textual", "rich") for n in imports(p))]
    assert offenders == []
