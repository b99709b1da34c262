"""Building real consoles for the UI tests: the headless core, configured as the CLI would."""

from __future__ import annotations

import time
from collections.abc import Callable

from tui.audio import make_speaker
from tui.core import Console, resolve_config
from tui.ui.app import SwitchboardApp

UNUSED_URL = "ws://127.0.0.1:9"  # the discard port: for consoles that never connect


def make_console(
    url: str = UNUSED_URL,
    *,
    clock: Callable[[], float] | None = None,
    audio: str = "none",
    dialect: str | None = None,
    **options,
) -> Console:
    """A console as `switchboard --url URL --audio AUDIO --no-record` would build it."""
    options.setdefault("record", False)
    config = resolve_config(provider="local", url=url, audio=audio, dialect=dialect, **options)
    clock = clock or time.monotonic
    return Console(
        config, clock=clock, speaker_factory=lambda progress: make_speaker(audio, on_progress=progress, clock=clock)
    )


def make_app(console: Console, **kwargs) -> SwitchboardApp:
    """The app as the CLI opens it, minus anything that would touch the operator's config."""
    kwargs.setdefault("save_choices", False)
    return SwitchboardApp(console, **kwargs)
