"""The line console: turns and /commands on stdin, the frame log on stdout, clean exit at EOF."""

from __future__ import annotations

import io
import os

from tui.core import resolve_config
from tui.core.headless import run_lines


async def test_lines_become_turns_and_commands_and_end_of_input_waits_for_the_turn(local_server):
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"Hello there.\n/slots\n/raw {oops\n/close nobody\n/bogus\n/rate 99\n")
    os.close(write_fd)
    out = io.StringIO()
    config = resolve_config(provider="local", url=local_server, audio="none", record=False, rate=20)
    with os.fdopen(read_fd) as stdin:
        assert await run_lines(config, stdin, out) == 0
    text = out.getvalue()
    assert "→ turn_1" in text and '"isFinal":true' in text  # streamed, reached final
    assert "[1] " in text and "[5] free" in text  # /slots
    assert "error: not sent: not JSON" in text
    assert "error: context nobody is not open" in text
    assert "error: unknown command /bogus" in text
    assert "error: rate must be between 0.5 and 50 words per second" in text
    assert "connection closed 1000" in text  # shut down cleanly
