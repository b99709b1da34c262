"""Opening the full-screen console from a resolved `ConsoleConfig` (the CLI's `open_console`)."""
from __future__ import annotations

from ..core import Console, ConsoleConfig


def run_console(config: ConsoleConfig) -> int:
    """Run the Textual console until the operator quits; the process exit code.

    Anything the console meets at run time (a server that will not start, a refused connection,
    a bad keymap or theme) is shown in its banner, so this only returns 0.
    """
    from .app import SwitchboardApp   # Textual loads only when the full-screen console is wanted

    SwitchboardApp(Console(config)).run()
    return 0
