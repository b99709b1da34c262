"""The frame log: every frame both ways plus notes, in a bounded ring, filterable by context."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Literal, get_args

from tui.protocol.secret import Secret
from tui.protocol.urls import redact_text

DEFAULT_CAPACITY = 5000
SUMMARY_LIMIT = 240

# Elide audio without parsing the frame: base64 is `[A-Za-z0-9+/=]`, so it never holds a quote.
# The regex finds the field's opening only; `str.find` skips the (long) base64 to its closing quote,
# which the regex engine would walk a character at a time on every received audio frame. The
# field is `audio` (ElevenLabs, Murf), `audioContent` (Inworld) or `data` (Cartesia's chunk).
_AUDIO_OPEN = re.compile(r'"(audio|audioContent|data)"\s*:\s*"')


def _elide_audio(text: str) -> str:
    parts: list[str] = []
    pos = 0
    while (match := _AUDIO_OPEN.search(text, pos)) is not None:
        end = text.find('"', match.end())
        if end < 0:
            break  # unterminated string: left as it is
        b64_len = end - match.end()
        padding = 0
        while padding < b64_len and text[end - 1 - padding] == "=":
            padding += 1
        parts += (text[pos : match.start()], f'"{match.group(1)}":"<{b64_len * 3 // 4 - padding:,} bytes>"')
        pos = end + 1
    if not parts:
        return text
    parts.append(text[pos:])
    return "".join(parts)


def summarize(text: str | bytes, limit: int = SUMMARY_LIMIT) -> str:
    """One line of the frame for the log: audio replaced by its byte count, newlines folded."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        return f"<binary frame, {len(text):,} bytes>"
    line = _elide_audio(text)
    # Folding whitespace only shortens, and the fold of a prefix is a prefix of the whole fold:
    # when a head of the line already folds past the limit, the rest (kilobytes of alignment
    # in an audio frame) cannot change the shown line, so it is not folded.
    head = " ".join(line[: 4 * limit].split())
    if len(head) <= limit:
        head = " ".join(line.split())
    return head if len(head) <= limit else head[: limit - 1] + "…"


# How much a note, a notice or a banner matters (the log pane and the banner colour by it).
Level = Literal["info", "warning", "error"]
LEVELS: tuple[Level, ...] = get_args(Level)


def as_level(value: object) -> Level:
    """`value` if it is a level, else "warning" (a recorded level a replay does not know)."""
    for level in LEVELS:
        if value == level:
            return level
    return "warning"


@dataclass(frozen=True)
class LogEntry:
    seq: int  # increases by one per entry, never reused (even after clear)
    at: float  # seconds since the session started
    direction: str  # "sent" | "received" | "note"
    context_id: str | None
    size: int  # bytes on the wire (0 for notes)
    summary: str
    level: Level = "info"  # of a note
    marker: str = ""  # a received marker, by name: "flush done 2", "turn final", "context created"


class FrameLog:
    """A ring of the last `capacity` entries; `since(seq)` lets a view append incrementally.

    Known secrets (the API key) are scrubbed from every line: a hand-typed frame carrying
    `xi_api_key` shows `***`.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY, secrets: Iterable[Secret | None] = ()) -> None:
        self._entries: deque[LogEntry] = deque(maxlen=capacity)
        self._next_seq = 1
        self._secrets = [s for s in secrets if s]

    def summarize(self, text: str | bytes) -> str:
        """The frame's log line, secrets scrubbed before it is cut to length."""
        if isinstance(text, str) and self._secrets:
            text = redact_text(text, self._secrets)
        return summarize(text)

    @property
    def capacity(self) -> int:
        return self._entries.maxlen or 0

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self._entries)

    @property
    def last_seq(self) -> int:
        return self._next_seq - 1

    def add(
        self,
        at: float,
        direction: str,
        context_id: str | None,
        size: int,
        summary: str,
        level: Level = "info",
        marker: str = "",
    ) -> LogEntry:
        if self._secrets:
            summary = redact_text(summary, self._secrets)
        entry = LogEntry(self._next_seq, at, direction, context_id, size, summary, level, marker)
        self._next_seq += 1
        self._entries.append(entry)
        return entry

    def entries(self, context_id: str | None = None, *, since: int = 0) -> list[LogEntry]:
        """Entries after `since` (a seq), only those of `context_id` when one is given."""
        # Seqs in the ring are consecutive and end at last_seq, so the entries after `since` are
        # the newest ones: a view catching up on every repaint reads those, not the whole ring.
        newer = self.last_seq - since
        if newer <= 0:
            return []
        tail = self._entries if newer >= len(self._entries) else reversed(list(islice(reversed(self._entries), newer)))
        return [e for e in tail if context_id is None or e.context_id == context_id]

    def clear(self) -> None:
        self._entries.clear()
