"""The embedded local server: a child on a free loopback port, gone after every way out."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time

import pytest

from tui.core import Console, EmbeddedServerError, resolve_config
from tui.core.embedded import EmbeddedServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pid: int, timeout: float = 8.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def read_until(proc: subprocess.Popen, pattern: str, timeout: float = 30.0) -> re.Match:
    """Read the process's stdout line by line until `pattern` matches (bounded)."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    end, seen = time.monotonic() + timeout, []
    while time.monotonic() < end:
        if sel.select(timeout=max(0.0, end - time.monotonic())):
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if match := re.search(pattern, line):
                return match
    raise AssertionError(f"{pattern!r} not printed; got {seen!r}")


def refuses_connections(url: str) -> bool:
    host, port = url.removeprefix("ws://").split(":")
    with socket.socket() as s:
        return s.connect_ex((host, int(port))) != 0


async def test_the_console_starts_its_server_on_a_free_port_and_stops_it_on_shutdown(tmp_path):
    console = Console(resolve_config(provider="local", local_voice="tone", audio="none", record=False))
    try:
        assert await console.start()
        assert await console.wait_connected(10)
        server = console.server
        assert server is not None and server.running
        assert re.fullmatch(r"ws://127\.0\.0\.1:\d+", server.url) and console.endpoint.startswith(server.url)
        assert console.submit_turn("Hi.").ok
    finally:
        await console.shutdown()
    assert not server.running and not alive(server.pid) and refuses_connections(server.url)


def test_a_server_that_cannot_start_is_a_clear_error(tmp_path):
    with pytest.raises(EmbeddedServerError, match=r"exited with code 2.*--voice"):
        EmbeddedServer.start("no-such-voice", timeout=20)


def console_process(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "--headless", "--local-voice", "tone", "--audio", "none", "--no-record", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "sigterm", "sigkill"])
def test_the_child_server_dies_with_the_console(sig):
    proc = console_process()
    try:
        pid = int(read_until(proc, r"embedded server pid (\d+)").group(1))
        read_until(proc, r"connected to ws://")
        assert alive(pid)
        proc.send_signal(sig)
        proc.wait(timeout=15)
        assert wait_gone(pid), f"server {pid} outlived the console ({sig.name})"
    finally:
        proc.kill()
        proc.wait()


def test_the_child_server_dies_when_the_console_crashes():
    script = (
        "from tui.core.embedded import EmbeddedServer\n"
        "server = EmbeddedServer.start('tone', timeout=30)\n"
        "print('pid', server.pid, flush=True)\n"
        "raise RuntimeError('boom')\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        pid = int(read_until(proc, r"pid (\d+)").group(1))
        assert proc.wait(timeout=15) == 1
        assert wait_gone(pid)
    finally:
        proc.kill()
        proc.wait()
