"""A headless session recorded on the local server, and a recording replayed offline: what the
dialect tests (Inworld, Cartesia, Text-to-Dialogue) each check the same way."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

from tui.core import resolve_config
from tui.core.headless import replay_lines, run_lines
from tui.recording import read_recording


async def record_a_turn(url: str, dialect: str, folder: Path, line: str = "Hello there.") -> tuple[Path, list[Any]]:
    """`line` typed into the headless console on `url` in `dialect`: the recording and the JSON
    frames it received."""
    read_fd, write_fd = os.pipe()
    os.write(write_fd, line.encode() + b"\n")
    os.close(write_fd)
    config = resolve_config(provider="local", url=url, dialect=dialect, audio="none", record_dir=folder, rate=20)
    with os.fdopen(read_fd) as stdin:
        assert await run_lines(config, stdin, io.StringIO()) == 0
    (path,) = folder.glob("*.jsonl")
    recording = read_recording(path)
    assert recording.header.dialect == dialect
    return path, [json.loads(e.data) for e in recording.entries if getattr(e, "direction", None) == "received"]


async def replay_offline(path: Path) -> str:
    """What the headless replay of `path` prints, at speed 32, with no speaker and no input."""
    out = io.StringIO()
    read_fd, write_fd = os.pipe()
    os.close(write_fd)
    with os.fdopen(read_fd) as stdin:
        assert await replay_lines(path, speed=32.0, paused=False, audio="none", stdin=stdin, out=out) == 0
    return out.getvalue()
