"""The sdist rebuilds as a checkout does (issue 12): it carries the Makefile, the tests and
requirements.lock, so `make setup` in it installs the locked versions."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_sdist_carries_the_lock_file_the_makefile_reads(tmp_path):
    hatchling = str(Path(sys.executable).parent / "hatchling")  # a test dependency (pyproject.toml)
    out = subprocess.run(
        [hatchling, "build", "-t", "sdist", "-d", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    (sdist,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if "/" in m.name}
        assert {"Makefile", "pyproject.toml", "requirements.lock", "tests/conftest.py"} <= members.keys()
        lock = tar.extractfile(members["requirements.lock"])
        assert lock is not None and lock.read() == (ROOT / "requirements.lock").read_bytes()
    assert "LOCK := requirements.lock" in (ROOT / "Makefile").read_text()
