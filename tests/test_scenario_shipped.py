"""Every shipped scenario (scenarios/*.toml) passes its own expectations against the local
server with the tone voice, run as a user runs it: `switchboard run FILE --local-voice tone`,
each in its own process with its own embedded server (and the scenario's fault profile).

The runs play in real time and mostly wait on audio, so they go four at a time (one session
fixture starts them all); each test then reads its own run's exit code and report."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

SHIPPED = sorted((Path(__file__).parent.parent / "scenarios").glob("*.toml"))
AT_ONCE = 4
BOUND_S = 150.0


@pytest.fixture(scope="module")
def shipped_runs(tmp_path_factory) -> dict[str, tuple[int | None, str, Path]]:
    base = tmp_path_factory.mktemp("shipped")
    waiting = list(SHIPPED)
    running: dict[str, tuple[subprocess.Popen[str], Path]] = {}
    done: dict[str, tuple[int | None, str, Path]] = {}
    end = time.monotonic() + BOUND_S
    while waiting or running:
        while waiting and len(running) < AT_ONCE:
            path = waiting.pop(0)
            report = base / path.stem
            command = [sys.executable, "-m", "tui", "run", str(path), "--local-voice", "tone", "--report", str(report)]
            running[path.stem] = (
                subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
                report,
            )
        for name, (process, report) in list(running.items()):
            if process.poll() is not None or time.monotonic() > end:
                if process.returncode is None:
                    process.kill()
                out = process.communicate(timeout=10)[0]
                done[name] = (process.returncode, out, report)
                del running[name]
        time.sleep(0.1)
    return done


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_shipped_scenario_passes_its_expectations_on_the_local_server(path, shipped_runs):
    code, out, folder = shipped_runs[path.stem]
    assert code == 0, out
    report = json.loads((folder / "report.json").read_text())
    outcomes = [o for run in report["runs"] for o in run["expectations"]]
    assert report["passed"] and outcomes and all(o["ok"] for o in outcomes)
    assert (folder / "timeline-1.svg").stat().st_size > 0
