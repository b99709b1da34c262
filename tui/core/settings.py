"""Applying live settings (tui.session.settings) to a running console.

Per-context settings go into the console's wire for the turns that start from now on: a turn in
progress keeps the wire it opened with, so its context never sees its settings change (the
service refuses a changed `voice_settings` mid-context). Query options live in the URL, so a
change of one means a new connection: the console rebuilds its endpoint, says which options
changed (a note in the frame log, the status strip's URL), and reconnects at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.protocol.dialect import Dialect
from tui.protocol.urls import redact_url
from tui.session import Notice, StatusUpdate
from tui.session.settings import Settings

if TYPE_CHECKING:
    from .console import CommandResult, Console


def changed_query(before: Settings, after: Settings) -> list[str]:
    """The query options whose value differs, in field order."""
    old, new = before.query(), after.query()
    return [name for name in dict.fromkeys([*old, *new]) if old.get(name) != new.get(name)]


def apply_settings(console: Console, settings: Settings) -> CommandResult:
    from .console import CommandResult

    before, console.settings = console.settings, settings
    console.wire = console.wire.with_settings(settings, voice=console.config.voice)
    console.turns.wire = console.wire
    if console.config.dialect is not Dialect.MURF:  # the model's inactivity deadlines follow the URL's
        console.session.inactivity_timeout = settings.get("inactivity_timeout") or console.config.inactivity_timeout
    console.apply(StatusUpdate({"settings": settings.summary()}))
    names = changed_query(before, settings)
    if not names:
        return CommandResult(True, "settings apply from the next context")
    if console.endpoint:  # not yet started (the embedded server's URL comes at start): start uses them
        console.endpoint = console.query_endpoint()
        console.apply(StatusUpdate({"url": redact_url(console.endpoint)}))
    if not console.started:
        return CommandResult(True, f"{', '.join(names)}: the connection will use it")
    message = f"reconnecting: {', '.join(names)} changed (query options go in the URL)"
    console.apply(Notice(message))
    console.reconnect()
    return CommandResult(True, message)
