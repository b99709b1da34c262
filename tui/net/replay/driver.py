"""Feeding a replay into the console: `drive` (any sink), `drive_console` (tui.core.Console),
and the options a replaying console needs (`session_options`)."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from tui.protocol.dialect import Dialect
from tui.protocol.frames import Audio
from tui.recording.entries import BARGE_IN, TURN, FrameEntry
from tui.recording.reader import Recording

from .transport import ReplayTransport

TICK_SECONDS = 0.1


class ReplaySink(Protocol):
    """What `drive` feeds: the headless console (tui.core.Console) fits as it is."""

    def ingest(self, direction: str, data: str | bytes) -> None:
        """A recorded frame, as if it had just crossed the socket (nothing is sent)."""

    def barge_in(self) -> object:
        """The operator's barge-in, replayed: silence the speaker, mark the contexts interrupted."""


async def drive(transport: ReplayTransport, sink: ReplaySink, *,
                mute: Callable[[str | None], None] | None = None,
                on_turn: Callable[[str], None] | None = None) -> None:
    """Play the whole recording into `sink` at its recorded times (scaled, pausable).

    Frames go to `sink.ingest` in recorded order, sent ones included, so the session opens and
    closes slots as it did. A recorded turn calls `on_turn(context_id)` before its frames; a
    recorded barge-in calls `sink.barge_in()` once per instant (the console records one action
    per context it cut). Audio skipped over by a seek is ingested too, so the model stays exact,
    and then `mute(context_id)` silences it on the speaker. A sink with a `tick()` (a deadline
    check) also gets one every TICK_SECONDS, for deadlines that pass between entries.
    """
    await transport.connect()
    dialect = _dialect_of(transport.recording)
    ticker = asyncio.ensure_future(_tick(sink)) if callable(getattr(sink, "tick", None)) else None
    try:
        await _feed(transport, sink, dialect, mute, on_turn)
    finally:
        if ticker is not None:
            ticker.cancel()


async def _tick(sink: Any) -> None:
    # The sink's own deadline timer waits in wall seconds, but its session runs on the replay's
    # clock (faster, slower, paused): check inactivity deadlines a few times a second instead.
    while True:
        await asyncio.sleep(TICK_SECONDS)
        sink.tick()


async def _feed(transport: ReplayTransport, sink: ReplaySink, dialect: Dialect | None,
                mute: Callable[[str | None], None] | None, on_turn: Callable[[str], None] | None) -> None:
    last_barge_in: float | None = None
    async for item in transport.items():
        entry = item.entry
        if isinstance(entry, FrameEntry):
            sink.ingest(entry.direction, entry.data)
            if item.fast_forward and mute is not None and dialect is not None and item.is_received_frame:
                event = dialect.decode_server(entry.data)
                if isinstance(event, Audio):
                    mute(event.context_id)
        elif entry.kind == TURN and on_turn is not None and isinstance(entry.fields.get("context_id"), str):
            on_turn(entry.fields["context_id"])
        elif entry.kind == BARGE_IN and entry.offset_ms != last_barge_in:
            last_barge_in = entry.offset_ms
            sink.barge_in()


class _ConsoleSink:
    """tui.core.Console as a replay sink, duck-typed on its public attributes (net does not
    import core), with the hooks that make it behave as it did live:

    - a turn takes its id from the session, as the live console's did, so it is a turn and not
      a phantom context, and is opened on the speaker, which fixes the play order;
    - audio skipped over by a seek is stopped on the speaker;
    - an inactivity deadline that has passed on the replay's clock is applied before the next
      recorded entry (the console's own timer waits in wall seconds, whatever the speed).
    """

    def __init__(self, console: Any) -> None:
        self.console = console
        self.session = console.session

    def ingest(self, direction: str, data: str | bytes) -> None:
        self.tick()
        self.console.ingest(direction, data)

    def barge_in(self) -> object:
        self.tick()
        return self.console.barge_in()

    def tick(self) -> None:
        now = self.session.clock()
        if any(slot.countdown(now) == 0.0 for slot in self.session.slots):
            self.console.tick()

    def on_turn(self, context_id: str) -> None:
        if self.session.dialect.has_contexts:
            self.session.new_context_id()
        if self.console.speaker is not None:
            self.console.speaker.open(context_id)

    def mute(self, context_id: str | None) -> None:
        slot = self.session.slot_for(context_id)
        if slot is not None and self.console.speaker is not None:
            self.console.speaker.call("stop", slot.context_id)


async def drive_console(transport: ReplayTransport, console: Any) -> None:
    """`drive` into a started tui.core.Console so that it shows what it showed live."""
    sink = _ConsoleSink(console)
    await drive(transport, sink, mute=sink.mute, on_turn=sink.on_turn)


def _dialect_of(recording: Recording) -> Dialect | None:
    try:
        return Dialect(recording.header.dialect) if recording.header else None
    except ValueError:
        return None


def session_options(recording: Recording) -> dict[str, Any]:
    """What a console replaying `recording` must be configured with (for resolve_config), so its
    session counts, decodes and times out as the recorded one did."""
    header = recording.header
    if header is None:
        return {}
    options: dict[str, Any] = {"url": header.url, "dialect": header.dialect,
                               "output_format": header.output_format, "voice": header.voice,
                               "model": header.model}
    timeout = parse_qs(urlsplit(header.url).query).get("inactivity_timeout", [""])[0]
    if timeout.isdigit():
        options["inactivity_timeout"] = int(timeout)
    return options
