"""The console's side of the speaker: feeding it safely, and its progress hopped to the loop.

The speaker reports progress from its own thread. That thread must never block, so a report is
one `deque.append` plus, when no drain is pending, one `call_soon_threadsafe`; the loop then
drains every report and keeps only the latest per context (coalescing, as Toolong's
`can_replace` does for messages).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from tui.protocol.formats import AudioFormat
from tui.session.events import SpeakerProgress

ProgressSink = Callable[[list[SpeakerProgress]], None]


class SpeakerLike(Protocol):
    backend_name: str
    silent_reason: str | None

    def open_context(self, context_id: str) -> None: ...
    def feed(self, context_id: str, data: bytes, fmt: AudioFormat) -> str | None: ...
    def end(self, context_id: str) -> None: ...
    def stop(self, context_id: str) -> None: ...
    def barge_in(self) -> str | None: ...
    def heard_seconds(self, context_id: str) -> float: ...
    def close(self) -> None: ...


class ProgressHop:
    """Carries speaker progress from the audio thread to the loop, coalesced per context."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sink: ProgressSink) -> None:
        self._loop = loop
        self._sink = sink
        self._reports: deque[tuple[str, int, int, bool]] = deque()
        self._scheduled = False

    def __call__(self, context_id: str, heard_samples: int, sample_rate: int, finished: bool) -> None:
        """on_progress, on the audio thread: append (atomic) and schedule one drain."""
        self._reports.append((context_id, heard_samples, sample_rate, finished))
        if not self._scheduled:
            self._scheduled = True
            try:
                self._loop.call_soon_threadsafe(self._drain)
            except RuntimeError:
                pass  # the loop is closed: the console is gone

    def _drain(self) -> None:
        # Clear the flag before popping: a report appended after the last pop then schedules
        # a new drain, so none is lost.
        self._scheduled = False
        latest: dict[str, SpeakerProgress] = {}
        while True:
            try:
                cid, samples, rate, finished = self._reports.popleft()
            except IndexError:
                break
            previous = latest.get(cid)
            latest[cid] = SpeakerProgress(cid, samples, rate, finished or bool(previous and previous.finished))
        if latest:
            self._sink(list(latest.values()))


class SpeakerLink:
    """Calls into the speaker that never take the console down: a failure becomes a message."""

    def __init__(self, speaker: SpeakerLike, on_problem: Callable[[str], None]) -> None:
        self.speaker = speaker
        self._on_problem = on_problem
        self._opened: set[str] = set()
        self._unended: set[str] = set()  # opened, and no end yet: the play order waits on them
        self.finished: set[str] = set()

    def call(self, name: str, *args: Any) -> Any:
        try:
            return getattr(self.speaker, name)(*args)
        except Exception as exc:  # a backend failing in a way it did not document
            self._on_problem(f"speaker {name} failed: {exc}")
            return None

    def open(self, context_id: str) -> None:
        if context_id not in self._opened:
            self.reopen(context_id)

    def reopen(self, context_id: str) -> None:
        """The model opened this context (a turn, a phantom, or a finished id used again: a new
        context on the server): the speaker gives it a fresh place in the play order."""
        self._opened.add(context_id)
        self._unended.add(context_id)
        self.finished.discard(context_id)
        self.call("open_context", context_id)

    def feed(self, context_id: str, data: bytes, fmt: AudioFormat) -> None:
        self.open(context_id)
        problem = self.call("feed", context_id, data, fmt)
        if problem:
            self._on_problem(f"speaker refused audio of {context_id}: {problem}")

    def end(self, context_id: str) -> None:
        if context_id in self._opened:
            self._unended.discard(context_id)
            self.call("end", context_id)

    def end_all(self) -> None:
        """The connection is gone: no context opened on it will get more audio or a final.

        Each one plays out what it already has, then the play order moves on. Without this a
        context that was opened but never reached a slot (a sixth one the server refused) stays
        at the head of the play order, and every later turn waits behind it in silence.
        """
        for context_id in list(self._unended):
            self.end(context_id)

    def heard_seconds(self, context_id: str) -> float | None:
        heard = self.call("heard_seconds", context_id)
        return float(heard) if isinstance(heard, (int, float)) else None
