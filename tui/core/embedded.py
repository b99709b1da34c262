"""The embedded local server: `python -m tui.server --port 0` as a child process.

Synthesis runs in the child so it never competes with the console's event loop. The child is
stopped on every way out: `stop()` (terminate, then kill after a grace period), an atexit hook,
and on Linux the kernel itself (PR_SET_PDEATHSIG) if the console dies without running either,
e.g. on SIGKILL. It runs in its own process group, so a Ctrl+C in the terminal reaches only the
console, which then stops the child in order.
"""
from __future__ import annotations

import atexit
import collections
import ctypes
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

READY = re.compile(r"listening on (ws://\S+)")
START_TIMEOUT = 60.0       # the Piper voice loads and warms before the line appears
GRACE = 3.0                # between terminate and kill
PR_SET_PDEATHSIG = 1


class EmbeddedServerError(RuntimeError):
    """The child did not start; the message has its last output lines."""


def _die_with_parent() -> None:
    # Runs in the child between fork and exec. The signal fires when the *thread* that forked
    # exits, so the console must start the child from its main (loop) thread.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass   # not Linux: atexit and stop() still apply


class EmbeddedServer:
    """A running child server. `url` is its base (e.g. ws://127.0.0.1:41234)."""

    def __init__(self, proc: subprocess.Popen[str], *, clock: Callable[[], float] = time.monotonic) -> None:
        self.proc = proc
        self.url = ""
        self._clock = clock
        self._tail: collections.deque[str] = collections.deque(maxlen=5)
        self._ready = threading.Event()
        atexit.register(self.stop)
        threading.Thread(target=self._pump, name="embedded-server-output", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def last_output(self) -> str:
        """Its last few output lines, for a message when it fails."""
        return " | ".join(self._tail)

    @classmethod
    def spawn(cls, voice: str = "piper", *, python: str = sys.executable,
              clock: Callable[[], float] = time.monotonic, faults: str | None = None,
              fault_seed: int | None = None) -> EmbeddedServer:
        """Start the child (returns at once). Call from the main thread: see _die_with_parent.

        `faults`/`fault_seed` are passed on as `--faults`/`--fault-seed` (fault rehearsal)."""
        cmd = [python, "-m", "tui.server", "--host", "127.0.0.1", "--port", "0", "--voice", voice]
        cmd += ["--faults", faults] if faults else []
        cmd += ["--fault-seed", str(fault_seed)] if faults and fault_seed is not None else []
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True, bufsize=1, env=env, start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        except OSError as exc:
            raise EmbeddedServerError(f"cannot start the local server: {exc.strerror or exc}") from None
        return cls(proc, clock=clock)

    @classmethod
    def start(cls, voice: str = "piper", *, timeout: float = START_TIMEOUT,
              python: str = sys.executable) -> EmbeddedServer:
        """Spawn and wait for the listening line (blocking, bounded by `timeout`)."""
        server = cls.spawn(voice, python=python)
        server.wait_ready(timeout)
        return server

    def _pump(self) -> None:
        # Read every line the child prints, for as long as it lives, so its pipe never fills.
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.rstrip()
            if line:
                self._tail.append(line)
            match = READY.search(line)
            if match and not self.url:
                self.url = match.group(1)
                self._ready.set()
        self._ready.set()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> str:
        """Block until the child says where it listens; its URL. On failure stop it and raise."""
        deadline = self._clock() + timeout
        while not self._ready.is_set() and self._clock() < deadline:
            self._ready.wait(min(0.1, max(0.0, deadline - self._clock())))
        if self.url:
            return self.url
        try:
            code = self.proc.wait(1.0) if self._ready.is_set() else None   # its output ended: it exits
        except subprocess.TimeoutExpired:
            code = None
        self.stop()
        why = f"exited with code {code}" if code is not None else f"was not ready within {timeout:g} s"
        last = f": {self._tail[-1]}" if self._tail else ""   # the error line, not the usage above it
        raise EmbeddedServerError(f"the local server {why}{last}")

    def stop(self, grace: float = GRACE) -> int | None:
        """Terminate the child's process group, kill it after `grace` seconds; its exit code."""
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                try:
                    self.proc.wait(grace)
                except subprocess.TimeoutExpired:
                    pass
        atexit.unregister(self.stop)
        return self.proc.poll()

    def _signal(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)   # its own group: the child and anything it started
        except (ProcessLookupError, PermissionError):
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass
