"""`python -m tui.server` / `switchboard serve` as a real child process."""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import socket
import sys

from tui.server.cli import add_serve_arguments

from .wire import WAIT, client, multi_url, spoken_text, text

READY = re.compile(r"switchboard serve: listening on (ws://127\.0\.0\.1:(\d+)) \(voice tone\)")


async def start_serve(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui.server",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_serve_prints_its_url_once_listening_serves_and_stops_cleanly_on_sigterm():
    process = await start_serve("--port", "0", "--voice", "tone", "--flush-done")
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        ready = READY.fullmatch(line.strip())
        assert ready, line
        assert int(ready.group(2)) > 0
        async with client(multi_url(ready.group(1))) as ws:
            await ws.send(text("t1", "From a child process. ", flush=True))
            frames = await ws.until(lambda f: f.get("flush_done") is True)  # --flush-done: opted in
        assert spoken_text(frames) == "From a child process. "
        assert frames[-1] == {"type": "flush_done", "context_id": "t1", "flush_done": True}
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), WAIT)
    stderr = (await process.stderr.read()).decode()
    assert code == 0 and "Traceback" not in stderr


async def test_serve_on_a_port_in_use_says_so_and_exits_1():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await start_serve("--port", str(port), "--voice", "tone")
        stdout, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in stderr.decode()
    assert "Traceback" not in stderr.decode() and stdout == b""


async def test_serve_with_a_bad_argument_explains_it_without_a_traceback():
    process = await start_serve("--port", "70000")
    _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 2
    assert "port must be from 0 to 65535, got 70000" in stderr.decode() and "Traceback" not in stderr.decode()


def test_serve_help_names_the_routes_formats_and_the_local_default_output_format():
    parser = argparse.ArgumentParser(prog="switchboard serve")
    add_serve_arguments(parser)
    help_text = " ".join(parser.format_help().split())
    for needle in (
        "--host",
        "--port",
        "--voice",
        "--api-key",
        "default mp3_44100_128",
        "ulaw_8000",
        "Murf",
        "0 picks a free one",
        "127.0.0.1",
    ):
        assert needle in help_text
    args = parser.parse_args([])
    assert (args.host, args.port, args.voice, args.api_key) == ("127.0.0.1", 8765, "piper", None)
