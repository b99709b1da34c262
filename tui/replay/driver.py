"""Feeding a replay into a sink: `drive`, and the options a replaying console needs
(`session_options`). The console's own sink is `tui.core.replay.drive_console` (replay does not
import core)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol, TypeGuard
from urllib.parse import parse_qs, urlsplit

from tui.protocol.dialect import Dialect
from tui.protocol.frames import Audio
from tui.recording.entries import (
    BARGE_IN,
    CLOSED,
    CONNECTED,
    HEARD,
    SERVER_SAID,
    SERVER_STATE,
    TURN,
    ActionEntry,
    FrameEntry,
)
from tui.recording.reader import Recording
from tui.session.framelog import Level, as_level

from .transport import ReplayTransport, closed_fields

TICK_SECONDS = 0.1


class ReplaySink(Protocol):
    """What `drive` feeds: the headless console (tui.core.Console) fits as it is."""

    def ingest(self, direction: str, data: str | bytes) -> None:
        """A recorded frame, as if it had just crossed the socket (nothing is sent)."""

    def barge_in(self) -> object:
        """The operator's barge-in, replayed: silence the speaker, mark the contexts interrupted."""


class RecordedOutcomes(Protocol):
    """A sink that takes the recorded outcome as authoritative (tui.core.replay.ConsoleSink):
    without these `drive` falls back to `ReplaySink.barge_in`, which decides again."""

    def connected(self, url: str) -> None:
        """The connection was up (before the first frame, and the first after each close)."""

    def closed(self, code: int | None, reason: str, expected: bool, asked: bool) -> None:
        """The connection ended, as recorded (`asked`: the operator's own reconnect, F5)."""

    def interrupted(self, context_id: str, heard_seconds: float | None, first: bool) -> None:
        """One recorded barge-in action: this context was cut, with what had been heard of it
        (None in recordings made before it was recorded); `first` of the key press."""

    def heard(self, context_id: str, samples: int, rate: int, finished: bool) -> None:
        """What the listener had heard of this context live (`samples` at `rate`), as the
        speaker reported it then: the model shows this, not what the replay's speaker played."""

    def server_said(self, text: str, level: Level, state: bool) -> None:
        """What the embedded server's keeper said (`state`: the status strip's field, else a
        banner at `level`): it exited, it restarts, it was given up on."""

    def reset(self) -> None:
        """The replay went back to its start: start the model afresh."""


async def drive(
    transport: ReplayTransport,
    sink: ReplaySink,
    *,
    mute: Callable[[str | None], None] | None = None,
    on_turn: Callable[[str, str], None] | None = None,
) -> None:
    """Play the whole recording into `sink` at its recorded times (scaled, pausable).

    Frames go to `sink.ingest` in recorded order, sent ones included, so the session opens and
    closes slots as it did. A recorded turn calls `on_turn(context_id, text)` before its frames; a
    recorded barge-in calls `sink.barge_in()` once per instant (the console records one action
    per context it cut). Audio skipped over by a seek is ingested too, so the model stays exact,
    and then `mute(context_id)` silences it on the speaker. A sink with a `tick()` (a deadline
    check) also gets one every TICK_SECONDS, for deadlines that pass between entries.

    A sink that is also `RecordedOutcomes` gets the recorded outcomes instead of deciding them
    again: the connection up and down as recorded, and each recorded barge-in's context with
    what had been heard of it. Then nothing depends on the replay's speed or the speaker.
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


async def _feed(
    transport: ReplayTransport,
    sink: ReplaySink,
    dialect: Dialect | None,
    mute: Callable[[str | None], None] | None,
    on_turn: Callable[[str, str], None] | None,
) -> None:
    last_barge_in: float | None = None
    outcomes: Any = (
        sink
        if all(
            callable(getattr(sink, name, None))
            for name in ("connected", "closed", "interrupted", "heard", "server_said", "reset")
        )
        else None
    )
    epoch, up, url = transport.epoch, False, transport.url
    if outcomes is not None:
        transport.on_rewind = outcomes.reset
    async for item in transport.items():
        entry = item.entry
        if transport.epoch != epoch:  # rewound to the start (the sink reset then): play afresh
            epoch, up, last_barge_in, url = transport.epoch, False, None, transport.url
        if isinstance(entry, ActionEntry) and entry.kind == CONNECTED and isinstance(entry.fields.get("url"), str):
            url, up = entry.fields["url"], False  # recorded where it connected: up here, there
        if outcomes is not None and not up and (isinstance(entry, FrameEntry) or entry.kind in (TURN, CONNECTED)):
            up = True  # (a recording without `connected` actions: up at the first frame after a close)
            outcomes.connected(url)
        if isinstance(entry, FrameEntry):
            sink.ingest(entry.direction, entry.data)
            if item.fast_forward and mute is not None and dialect is not None and item.is_received_frame:
                event = dialect.decode_server(entry.data)
                if isinstance(event, Audio):
                    mute(event.context_id)
        elif entry.kind == TURN and on_turn is not None and isinstance(entry.fields.get("context_id"), str):
            on_turn(entry.fields["context_id"], str(entry.fields.get("text") or ""))
        elif entry.kind == BARGE_IN and outcomes is not None:
            first = entry.offset_ms != last_barge_in
            last_barge_in = entry.offset_ms
            heard = entry.fields.get("heard")
            outcomes.interrupted(
                str(entry.fields.get("context_id")), float(heard) if isinstance(heard, (int, float)) else None, first
            )
        elif entry.kind == BARGE_IN and entry.offset_ms != last_barge_in:
            last_barge_in = entry.offset_ms
            sink.barge_in()
        elif entry.kind == CLOSED and outcomes is not None:
            up = False
            outcomes.closed(*closed_fields(entry))
        elif entry.kind == HEARD and outcomes is not None and (heard := heard_fields(entry)) is not None:
            outcomes.heard(*heard)
        elif entry.kind in (SERVER_SAID, SERVER_STATE) and outcomes is not None:
            outcomes.server_said(
                str(entry.fields.get("text") or ""), as_level(entry.fields.get("level")), entry.kind == SERVER_STATE
            )


MICROSECONDS = 1_000_000


def heard_fields(entry: ActionEntry) -> tuple[str, int, int, bool] | None:
    """Context id, samples, rate and finished from a recorded `heard` action (None if it has no
    context id or no figure); a line with only the seconds counts in microseconds."""
    f = entry.fields
    cid, samples, rate, heard = f.get("context_id"), f.get("samples"), f.get("rate"), f.get("heard")
    if not isinstance(cid, str):
        return None
    finished = f.get("finished") is True
    if _count(samples) and _count(rate) and rate > 0:
        return cid, samples, rate, finished
    if isinstance(heard, (int, float)) and not isinstance(heard, bool) and 0 <= heard < 1e7:
        return cid, round(heard * MICROSECONDS), MICROSECONDS, finished
    return None


def _count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


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
    options: dict[str, Any] = {
        "url": header.url,
        "dialect": header.dialect,
        "output_format": header.output_format,
        "voice": header.voice,
        "model": header.model,
    }
    timeout = parse_qs(urlsplit(header.url).query).get("inactivity_timeout", [""])[0]
    if timeout.isdigit():
        options["inactivity_timeout"] = int(timeout)
    return options
