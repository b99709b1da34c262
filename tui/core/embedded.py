"""The embedded local server: `python -m tui.server --port 0` as a child process.

Synthesis runs in the child so it never competes with the console's event loop. The child is
stopped on every way out: `stop()` (terminate, then kill after a grace period), an atexit hook,
and on Linux the kernel itself if the console dies without running either, e.g. on SIGKILL: the
child runs with `--parent-pid` and sets PR_SET_PDEATHSIG on itself at start (no `preexec_fn`:
running Python between fork and exec is unsafe once the console has threads). It runs in its own
process group, so a Ctrl+C in the terminal reaches only the console, which then stops the child
in order.

`EmbeddedKeeper` keeps it running: when the child exits on its own (its output pipe ends), the
keeper says so with the exit code and the child's last lines, holds the connection, and starts a
new child (at once, then with backoff), whose new port the connection then joins. After
`max_restarts` failed restarts in a row it stops and says so; `retry()` (F5) tries again. A child
that was up STABLE_AFTER seconds before it died counts as having worked: the count starts afresh.
Nothing is restarted once the console is closing.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tui.clock import Clock, sleep_until
from tui.net.backoff import Backoff
from tui.session import Level

READY = re.compile(r"listening on (ws://\S+)")
START_TIMEOUT = 60.0  # the Piper voice loads and warms before the line appears
GRACE = 3.0  # between terminate and kill
MAX_RESTARTS = 5  # failed restarts in a row before the keeper gives up (F5 tries again)
STABLE_AFTER = 10.0  # seconds up after which a child counts as having worked
EXIT_WAIT = 5.0  # its output ended: how long to wait for its exit code


class EmbeddedServerError(RuntimeError):
    """The child did not start; the message has its last output lines."""


class EmbeddedServer:
    """A running child server. `url` is its base (e.g. ws://127.0.0.1:41234)."""

    def __init__(self, proc: subprocess.Popen[str], *, clock: Clock = time.monotonic) -> None:
        self.proc = proc
        self.url = ""
        self._clock = clock
        self._tail: collections.deque[str] = collections.deque(maxlen=5)
        self._ready = threading.Event()
        self._exit_watchers: list[Callable[[EmbeddedServer], None]] = []
        self._exited = False
        self._lock = threading.Lock()
        self.stopping = False  # stop() was called: its exit is expected
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
    def spawn(
        cls,
        voice: str = "piper",
        *,
        python: str = sys.executable,
        clock: Clock = time.monotonic,
        faults: str | None = None,
        fault_seed: int | None = None,
    ) -> EmbeddedServer:
        """Start the child (returns at once). Call from the main thread: the child's parent-death
        signal fires when the *thread* that started it exits (see `switchboard serve --parent-pid`).

        `faults`/`fault_seed` are passed on as `--faults`/`--fault-seed` (fault rehearsal)."""
        cmd = [python, "-m", "tui.server", "--host", "127.0.0.1", "--port", "0", "--voice", voice]
        cmd += ["--parent-pid", str(os.getpid())]
        cmd += ["--faults", faults] if faults else []
        cmd += ["--fault-seed", str(fault_seed)] if faults and fault_seed is not None else []
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                env=env,
                start_new_session=True,  # setsid in C: no Python runs in the forked child
            )
        except OSError as exc:
            raise EmbeddedServerError(f"cannot start the local server: {exc.strerror or exc}") from None
        return cls(proc, clock=clock)

    @classmethod
    def start(
        cls, voice: str = "piper", *, timeout: float = START_TIMEOUT, python: str = sys.executable
    ) -> EmbeddedServer:
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
        try:  # the output ends when the child exits: fetch its code for whoever watches
            self.proc.wait(EXIT_WAIT)
        except subprocess.TimeoutExpired:
            pass
        with self._lock:
            self._exited, watchers = True, list(self._exit_watchers)
        for watcher in watchers:
            watcher(self)

    def on_exit(self, watcher: Callable[[EmbeddedServer], None]) -> None:
        """Call `watcher(self)` once the child has exited (at once if it already has), from the
        output thread: hop to your own loop before touching anything."""
        with self._lock:
            if not self._exited:
                self._exit_watchers.append(watcher)
                return
        watcher(self)

    @property
    def exit_code(self) -> int | None:
        return self.proc.poll()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> str:
        """Block until the child says where it listens; its URL. On failure stop it and raise."""
        deadline = self._clock() + timeout
        while not self._ready.is_set() and self._clock() < deadline:
            self._ready.wait(min(0.1, max(0.0, deadline - self._clock())))
        if self.url:
            return self.url
        try:
            code = self.proc.wait(1.0) if self._ready.is_set() else None  # its output ended: it exits
        except subprocess.TimeoutExpired:
            code = None
        self.stop()
        why = f"exited with code {code}" if code is not None else f"was not ready within {timeout:g} s"
        last = f": {self._tail[-1]}" if self._tail else ""  # the error line, not the usage above it
        raise EmbeddedServerError(f"the local server {why}{last}")

    def stop(self, grace: float = GRACE) -> int | None:
        """Terminate the child's process group, kill it after `grace` seconds; its exit code."""
        self.stopping = True
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
            os.killpg(self.proc.pid, sig)  # its own group: the child and anything it started
        except (ProcessLookupError, PermissionError):
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass


@dataclass
class KeeperHooks:
    """What the console does as the keeper works (all on the loop thread)."""

    down: Callable[[], None]  # the child died: make no attempt on its dead port
    up: Callable[[str], None]  # a new child listens at this base URL: connect to it
    say: Callable[[str, Level], None]  # one line for the banner and the log, with its level
    state: Callable[[str], None]  # the status strip's server field ("" when all is well)


class EmbeddedKeeper:
    """Keeps the embedded server running (see the module's docstring). `server` is the current child."""

    def __init__(
        self,
        spawn: Callable[[], EmbeddedServer],
        hooks: KeeperHooks,
        *,
        clock: Clock = time.monotonic,
        timeout: float = START_TIMEOUT,
        max_restarts: int = MAX_RESTARTS,
        backoff: Backoff | None = None,
    ) -> None:
        self.spawn = spawn  # called on the loop thread: see EmbeddedServer.spawn
        self.hooks = hooks
        self.clock = clock
        self.timeout = timeout
        self.max_restarts = max_restarts
        self.backoff = backoff or Backoff(initial=1.0, cap=10.0)
        self.server: EmbeddedServer | None = None
        self.failures = 0  # failed restarts in a row
        self.gave_up = False
        self._closing = False
        self._closed = asyncio.Event()
        self._ready_at = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def restarting(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> str:
        """Start the first child and wait until it listens; its base URL. Raises EmbeddedServerError."""
        self._loop = asyncio.get_running_loop()
        self.server = self.spawn()
        base = await asyncio.to_thread(self.server.wait_ready, self.timeout)
        self._watch(self.server)
        return base

    def retry(self) -> bool:
        """After giving up (F5): try again now, the count afresh. False if there was nothing to do."""
        if self._closing or not self.gave_up:
            return False
        self.gave_up, self.failures = False, 0
        self.backoff.reset()
        self._task = asyncio.ensure_future(self._restart("is down (asked to start it again)", ""))
        return True

    def stop_restarting(self) -> None:
        """Never restart again (the console is closing)."""
        self._closing = True
        self._closed.set()
        if self._task is not None:
            self._task.cancel()

    async def close(self) -> None:
        """Never restart again; stop the current child (bounded by its grace period)."""
        self.stop_restarting()
        if self._task is not None:
            await asyncio.wait([self._task], timeout=1.0)
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)

    def _watch(self, server: EmbeddedServer) -> None:
        self._ready_at = self.clock()
        loop = self._loop

        def exited(child: EmbeddedServer) -> None:  # on the child's output thread
            try:
                assert loop is not None
                loop.call_soon_threadsafe(self._exited, child)
            except RuntimeError:
                pass  # the loop is closed: the console is gone, nothing to restart

        server.on_exit(exited)

    def _exited(self, child: EmbeddedServer) -> None:
        if self._closing or child is not self.server or child.stopping:
            return
        if self.clock() - self._ready_at >= STABLE_AFTER:
            self.failures = 0
            self.backoff.reset()
        self.hooks.down()
        self._task = asyncio.ensure_future(self._restart(f"exited (code {child.exit_code})", child.last_output()))

    async def _restart(self, why: str, last: str) -> None:
        while not self._closing:
            self.failures += 1
            if self.failures > self.max_restarts:
                self.gave_up = True
                self.hooks.state(f"embedded server down ({why})")
                self.hooks.say(
                    f"embedded server {why}{_lines(last)}; not restarting it after {self.max_restarts} "
                    "failed restarts in a row: press F5 to try again",
                    "error",
                )
                return
            attempt, delay = self.failures, (0.0 if self.failures == 1 else self.backoff.next_delay())
            when = f" in {delay:.1f} s" if delay else ""
            self.hooks.state(f"embedded server {why}; restarting (attempt {attempt}){when}")
            self.hooks.say(f"embedded server {why}{_lines(last)}; restarting (attempt {attempt}){when}", "warning")
            if delay and await sleep_until(self.clock() + delay, self.clock, self._closed):
                return  # closing
            began = self.clock()
            try:
                self.server = self.spawn()
                base = await asyncio.to_thread(self.server.wait_ready, self.timeout)
            except EmbeddedServerError as exc:
                why, last = str(exc).removeprefix("the local server "), ""
                continue
            if self._closing:
                return  # close() stops it
            self._watch(self.server)
            self.hooks.state("")
            self.hooks.say(
                f"embedded server restarted at {base} (attempt {attempt}, {self.clock() - began:.1f} s to start)",
                "info",
            )
            self.hooks.up(base)
            return


def _lines(last: str) -> str:
    return f" (last output: {last})" if last else ""
