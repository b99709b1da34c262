"""`switchboard serve --parent-pid PID`: the server sets its own parent-death signal at start.

This replaced a `preexec_fn` in the console (Python running in the forked child of a threaded
process). The console passes its pid; tests/test_core_embedded.py proves a SIGKILLed console
takes its embedded server down through it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_core_embedded import alive, wait_gone

ROOT = Path(__file__).resolve().parents[2]
SERVE = [sys.executable, "-m", "tui.server", "--voice", "tone", "--port", "0"]


def owner(extra: list[str]) -> subprocess.Popen[str]:
    """A process that starts a server in its own session (as the console does) and prints its pid
    once the server listens, then waits to be killed."""
    script = (
        "import os, subprocess, sys, time\n"
        f"cmd = {SERVE!r} + [a.replace('OWNER', str(os.getpid())) for a in {extra!r}]\n"
        "server = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True)\n"
        "line = server.stdout.readline()\n"
        "print(server.pid, line.strip(), flush=True)\n"
        "time.sleep(120)\n"
    )
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)


@pytest.mark.parametrize(
    ("extra", "dies"), [(["--parent-pid", "OWNER"], True), ([], False)], ids=["with-parent-pid", "without"]
)
def test_a_server_started_with_parent_pid_dies_when_its_parent_is_sigkilled(extra, dies):
    proc = owner(extra)
    server_pid = 0
    try:
        assert proc.stdout is not None
        server_pid, _, ready = proc.stdout.readline().partition(" ")
        server_pid = int(server_pid)
        assert "listening on ws://127.0.0.1:" in ready
        proc.send_signal(signal.SIGKILL)  # no atexit, no stop(): only the kernel can tell the server
        proc.wait(timeout=10)
        # Without the option the server must outlive its parent: the check above would then be vacuous.
        assert wait_gone(server_pid, 8.0 if dies else 1.0) is dies
    finally:
        proc.kill()
        proc.wait()
        if server_pid and alive(server_pid):
            os.kill(server_pid, signal.SIGKILL)


def test_a_parent_pid_that_is_not_the_parent_is_refused_at_once_in_one_line():
    # Our own pid is the grandparent here, not the parent: the same check as a parent that died
    # before the server could ask for the signal (it is then re-parented).
    script = (
        f"import subprocess, sys; sys.exit(subprocess.run({SERVE + ['--parent-pid', str(os.getpid())]!r}).returncode)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert out.stdout == ""  # never listened
    assert out.stderr.strip() == (
        f"switchboard serve: parent process {os.getpid()} is gone or is not this server's parent; not serving"
    )


@pytest.mark.parametrize("value", ["abc", "0", "-5"])
def test_a_malformed_parent_pid_is_a_usage_error(value):
    out = subprocess.run(SERVE + [f"--parent-pid={value}"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "parent pid must be" in out.stderr and "Traceback" not in out.stderr
