"""Opening the full-screen console: live from a `ConsoleConfig` (the CLI's `open_console`), or on
a recording (`run_replay`)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..core import Console, ConsoleConfig


def run_console(config: ConsoleConfig) -> int:
    """Run the Textual console until the operator quits; the process exit code.

    Anything the console meets at run time (a server that will not start, a refused connection,
    a bad keymap or theme) is shown in its banner, so this only returns 0.
    """
    from .app import SwitchboardApp   # Textual loads only when the full-screen console is wanted

    SwitchboardApp(Console(config)).run()
    return 0


def run_replay(path: Path, *, speed: float = 1.0, paused: bool = False, audio: str | None = None) -> int:
    """Play a recording in the full-screen console (`switchboard replay FILE` with the UI).

    Returns 1 when the file has no readable header, 2 for a bad speed; problems further in the
    file are shown in the banner and what comes before them plays.
    """
    import time

    from ..core import resolve_config
    from ..core.seams import default_speaker
    from ..net.replay import ReplayTransport, check_speed, session_options
    from ..recording import read_recording
    from .app import SwitchboardApp

    recording = read_recording(path)
    if recording.header is None:
        print(f"switchboard: {recording.problem or 'not a recording'}", file=sys.stderr)
        return 1
    try:
        transport = ReplayTransport(recording, speed=check_speed(speed), paused=paused)
        config = resolve_config(provider="local", audio=audio, record=False, **session_options(recording))
    except ValueError as exc:   # ConfigError included
        print(f"switchboard: error: {exc}", file=sys.stderr)
        return 2
    # The session runs on the recording's clock (countdowns pause with it); the speaker on the wall's.
    console = Console(config, clock=transport.clock,
                      speaker_factory=lambda progress: default_speaker(config, progress, time.monotonic))
    problems = (recording.problem,) if recording.problem else ()
    SwitchboardApp(console, replay=transport, problems=problems).run()
    return 0
