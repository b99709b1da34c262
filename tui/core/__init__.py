"""The headless console: one connection, the session model, speaker, recorder, pacers, and
the embedded local server. The Textual UI is one client of `Console`; tests are another.

    console = Console(resolve_config(provider="local", local_voice="tone"))
    await console.start()
    console.add_observer(lambda changes: ...)     # loop thread, after every change
    console.submit_turn("Sure, when would you like to travel?")
    console.barge_in()
    await console.shutdown()
"""

from .config import ConfigError, ConsoleConfig, resolve_config
from .console import CommandResult, Console
from .embedded import EmbeddedServer, EmbeddedServerError

__all__ = [
    "CommandResult",
    "ConfigError",
    "Console",
    "ConsoleConfig",
    "EmbeddedServer",
    "EmbeddedServerError",
    "resolve_config",
]
