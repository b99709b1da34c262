"""Opening the full-screen console: live from a `ConsoleConfig` (the CLI's `open_console`), or on
a recording (`run_replay`)."""

from __future__ import annotations

from pathlib import Path

from ..core import Console, ConsoleConfig


def run_console(config: ConsoleConfig) -> int:
    """Run the Textual console until the operator quits; the process exit code.

    Anything the console meets at run time (a server that will not start, a refused connection,
    a bad keymap or theme) is shown in its banner, so this only returns 0.
    """
    from .app import SwitchboardApp  # Textual loads only when the full-screen console is wanted

    SwitchboardApp(Console(config)).run()
    return 0


def run_replay(path: Path, *, speed: float = 1.0, paused: bool = False, audio: str | None = None) -> int:
    """Play a recording in the full-screen console (`switchboard replay FILE` with the UI).

    Returns 1 when the file has no readable header, 2 for a bad speed; problems further in the
    file are shown in the banner and what comes before them plays.
    """
    from ..core.replay import open_replay_or_exit_code
    from .app import SwitchboardApp

    # Held at the end: a finished replay waits for r (restart) or 0 (back to the start).
    replay = open_replay_or_exit_code(path, speed=speed, paused=paused, audio=audio, hold_at_end=True)
    if isinstance(replay, int):
        return replay
    problems = (replay.problem,) if replay.problem else ()
    SwitchboardApp(replay.console, replay=replay.transport, problems=problems).run()
    return 0
