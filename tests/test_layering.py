"""The layer table of DESIGN.md holds: `lint-imports` checks the contracts in pyproject.toml
(only tui/ui imports Textual; protocol, session and recording use the standard library only; each
layer imports only those below it). `make test` runs it too; this keeps a bare `pytest` honest."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_import_contracts_in_pyproject_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
