"""The virtual speaker's processes (PulseAudio, parec, the stamper) end with the test run that
started them, even when that run is killed and never reaches the fixture's teardown."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STARTS_A_SPEAKER = """
import time
from tests.fixtures.virtual_speaker import VirtualSpeaker
speaker = VirtualSpeaker()
speaker.start()
print(speaker._daemon.pid, speaker._recorder.pid, speaker._stamper.pid, flush=True)
time.sleep(60)
"""


def running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may be slow to reap what it inherits)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def test_a_killed_test_run_leaves_no_pulseaudio_behind():
    run = subprocess.Popen(
        [sys.executable, "-c", STARTS_A_SPEAKER],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        pids = [int(p) for p in run.stdout.readline().split()]
        assert len(pids) == 3 and all(running(p) for p in pids)
    finally:
        run.send_signal(signal.SIGKILL)  # no teardown, as when a run crashes
        run.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in pids if running(p)] == []
