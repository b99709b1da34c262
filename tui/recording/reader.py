"""Reading a recording back: never raises on bad content, says where it stops and why.

A recording cut short (SIGKILL, full disk), edited by hand, or not a recording at all reads as
far as it is sound; `Recording.problem` then says at which line and byte it stops, why, and how
much before it is usable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .entries import (
    BARGE_IN,
    RECEIVED,
    SENT,
    ActionEntry,
    Entry,
    FrameEntry,
    RecordingHeader,
    entry_from_json,
    header_from_json,
)


@dataclass
class Recording:
    path: Path
    header: RecordingHeader | None
    entries: list[Entry] = field(default_factory=list)
    problem: str | None = None

    @property
    def duration_ms(self) -> float:
        return self.entries[-1].offset_ms if self.entries else 0.0

    def frames(self, direction: str | None = None) -> list[FrameEntry]:
        return [
            e for e in self.entries if isinstance(e, FrameEntry) and (direction is None or e.direction == direction)
        ]

    def actions(self, kind: str | None = None) -> list[ActionEntry]:
        return [e for e in self.entries if isinstance(e, ActionEntry) and (kind is None or e.kind == kind)]

    @property
    def sent(self) -> list[FrameEntry]:
        return self.frames(SENT)

    @property
    def received(self) -> list[FrameEntry]:
        return self.frames(RECEIVED)

    @property
    def barge_ins(self) -> list[ActionEntry]:
        return self.actions(BARGE_IN)


def _stop(recording: Recording, line_no: int, byte: int, why: str) -> Recording:
    usable = (
        f"the {len(recording.entries)} entries before it ({recording.duration_ms / 1000:.3f} s) are usable"
        if recording.entries
        else "nothing before it is usable"
    )
    recording.problem = f"{recording.path}: stops at line {line_no} (byte {byte}): {why}; {usable}"
    return recording


# Bounds on what one line may hold, so a file that is not a recording (/dev/zero, a disk image)
# is refused without reading it into memory. A 16 MiB binary frame is 22.4 MB of base64, and a
# text frame's JSON escapes can double it.
MAX_HEADER_BYTES = 64 * 1024
MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_RECORDING_BYTES = 4 << 30


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """The file's lines, each read up to one byte past its bound (never a whole endless line)."""
    limit = MAX_HEADER_BYTES + 1
    while True:
        raw = stream.readline(limit)
        if not raw:
            return
        yield raw
        limit = MAX_LINE_BYTES + 1


def read_recording(path: str | os.PathLike[str]) -> Recording:
    """The header and entries of the recording at `path`, and a `problem` (None when whole)."""
    path = Path(path)
    recording = Recording(path, None)
    try:
        stream = open(path, "rb")  # noqa: SIM115  (closed by the `with stream:` below, after the error case)
    except OSError as exc:
        recording.problem = f"{path}: cannot open: {exc.strerror or exc}"  # as typed, directory and all
        return recording
    with stream:
        byte = 0
        last_t = 0.0
        line_no = 0
        for line_no, raw in enumerate(_lines(stream), start=1):
            if byte + len(raw) > MAX_RECORDING_BYTES:
                return _stop(
                    recording,
                    line_no,
                    byte,
                    f"the recording goes on past {MAX_RECORDING_BYTES >> 30} GiB, more than any session writes",
                )
            if len(raw) > (MAX_HEADER_BYTES if line_no == 1 else MAX_LINE_BYTES):
                limit = "64 KiB (a header line)" if line_no == 1 else f"{MAX_LINE_BYTES >> 20} MiB"
                return _stop(recording, line_no, byte, f"a line longer than {limit}, so this is not a recording")
            if not raw.endswith(b"\n"):
                return _stop(recording, line_no, byte, "the last line is incomplete (the session ended mid-write)")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return _stop(recording, line_no, byte + exc.start, "not UTF-8 text (binary data?)")
            try:
                obj = json.loads(text)
            except (ValueError, RecursionError) as exc:
                col = getattr(exc, "colno", None)
                where = f" at column {col}" if col else ""
                return _stop(recording, line_no, byte, f"not valid JSON{where}")
            if line_no == 1:
                header = header_from_json(obj)
                if isinstance(header, str):
                    return _stop(recording, line_no, byte, header)
                recording.header = header
            else:
                entry = entry_from_json(obj)
                if isinstance(entry, str):
                    return _stop(recording, line_no, byte, entry)
                if entry.offset_ms < last_t:
                    return _stop(recording, line_no, byte, f"offset {entry.offset_ms} ms goes back before {last_t} ms")
                last_t = entry.offset_ms
                recording.entries.append(entry)
            byte += len(raw)
        if line_no == 0:
            recording.problem = f"{path}: the file is empty (no header line)"
    return recording
