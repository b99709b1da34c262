"""The recorder: one JSON Lines file per session, each line flushed as it is written.

Every line goes to the OS in one write and is flushed at once, so a process killed with
SIGKILL leaves a file that reads back to its last complete line (the page cache survives the
process). A failed write (disk full, folder removed) stops the recording and says why in
`problem`; it never breaks the session that is being recorded.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from tui.clock import Clock
from tui.protocol.secret import Secret

from .entries import DIRECTIONS, ActionEntry, FrameEntry, RecordingHeader
from .scrub import Scrubber

DEFAULT_CAP_MB = 200  # the recordings folder's cap (sessions only; demos are never removed)
PRIVATE_DIR = 0o700  # a folder the recorder creates
PRIVATE_FILE = 0o600  # every recording it writes
ROTATE_EVERY = 4_000_000  # bytes written between checks of the cap while recording
# What the recorder names a session file (`_file_stem`): only these are ever rotated away.
_SESSION_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}T[0-9A-Za-z_-]*\.jsonl$")


def rotate(folder: Path, cap_bytes: int, keep: Path) -> list[Path]:
    """Remove the oldest session recordings in `folder` until the sessions fit in `cap_bytes`;
    never `keep` (the one being written) nor any other file (curated demos). Returns what went."""
    try:
        sessions = [p for p in folder.iterdir() if _SESSION_FILE.match(p.name) and p.is_file()]
        stats = {p: p.stat() for p in sessions}
    except OSError:
        return []
    total = sum(st.st_size for st in stats.values())
    removed: list[Path] = []
    for path in sorted(sessions, key=lambda p: stats[p].st_mtime):
        if total <= cap_bytes:
            break
        if path == keep:
            continue
        try:
            path.unlink()
        except OSError:
            continue
        total -= stats[path].st_size
        removed.append(path)
    return removed


class RecordingError(Exception):
    """The recording could not be started; the message says where and why."""


def _dumps(obj: dict[str, Any], ensure_ascii: bool = False) -> str:
    # default=str: a stray object in an action's fields becomes its text, never a crash
    # (a Secret renders as Secret('***')).
    return json.dumps(obj, ensure_ascii=ensure_ascii, separators=(",", ":"), default=str)


def _encode_line(obj: dict[str, Any], scrub: Scrubber) -> bytes:
    """One line of UTF-8. Text that UTF-8 cannot carry (a lone surrogate from a server's frame
    or a terminal) is written as JSON's \\uXXXX escapes, which read back to the same string."""
    try:
        return scrub.text(_dumps(obj)).encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return scrub.text(_dumps(obj, ensure_ascii=True)).encode("ascii") + b"\n"


def _file_stem(header: RecordingHeader) -> str:
    stamp = re.sub(r"[^0-9A-Za-z]+", "-", header.started_at).strip("-")[:23]
    provider = re.sub(r"[^0-9A-Za-z_-]+", "-", header.provider) or "session"
    return f"{stamp}-{provider}"


class Recorder:
    """Writes one session. Methods may be called from any one thread at a time or several.

    Create with `Recorder.create(directory, header, secrets=..., clock=...)`; then call
    `frame(direction, text_or_bytes)` for every frame sent or received, `action(kind, **fields)`
    for every operator action, and `close()` at the end. Offsets are milliseconds of `clock`
    (seconds, monotonic) since `create`.
    """

    def __init__(
        self, path: Path, stream: IO[bytes], scrubber: Scrubber, clock: Clock, cap_bytes: int | None = None
    ) -> None:
        self.path = path
        self.cap_bytes = cap_bytes
        self._since_rotate = 0
        self.problem: str | None = None
        self._stream: IO[bytes] | None = stream
        self._scrub = scrubber
        self._clock = clock
        self._start = clock()
        self._last_ms = 0.0
        self._lock = threading.Lock()

    @classmethod
    def create(
        cls,
        directory: str | os.PathLike[str],
        header: RecordingHeader,
        *,
        secrets: Iterable[Secret | str | None] = (),
        clock: Clock = time.monotonic,
        cap_bytes: int | None = None,
    ) -> Recorder:
        """Start a new file in `directory` (created if missing) and write the header.

        `cap_bytes`: the session recordings in `directory` are kept under it by removing the
        oldest (now, and as this one grows); None keeps everything."""
        folder = Path(directory)
        scrubber = Scrubber(secrets)
        try:
            # What a user said is theirs: the folder 0700 and the file 0600, as config.toml.
            folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
            stem = _file_stem(header)
            for n in range(1, 1000):
                path = folder / (f"{stem}.jsonl" if n == 1 else f"{stem}-{n}.jsonl")
                try:
                    stream = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE), "wb")
                    break
                except FileExistsError:
                    continue
            else:
                raise RecordingError(f"cannot record in {folder}: too many files named {stem}*")
        except OSError as exc:
            raise RecordingError(f"cannot record in {folder}: {exc.strerror or exc}") from None
        recorder = cls(path, stream, scrubber, clock, cap_bytes)
        recorder.rotate()
        obj = header.to_json()
        obj["url"] = scrubber.url(header.url)
        recorder._write(obj)
        if recorder.problem:
            raise RecordingError(recorder.problem)
        return recorder

    def rotate(self) -> list[Path]:
        """Keep the folder's session recordings under the cap (oldest first, never this one)."""
        self._since_rotate = 0
        return [] if self.cap_bytes is None else rotate(self.path.parent, self.cap_bytes, self.path)

    def frame(self, direction: str, data: str | bytes) -> None:
        """Record one frame exactly as on the wire (`str` text frame, `bytes` binary frame)."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        data = self._scrub.text(data) if isinstance(data, str) else self._scrub.data(data)
        self._write_entry(lambda t: FrameEntry(t, direction, data).to_json())

    def action(self, kind: str, **fields: Any) -> None:
        """Record one operator action: a turn typed, a barge-in, a keep-alive, ..."""
        self._write_entry(lambda t: ActionEntry(t, kind, fields).to_json())

    def close(self) -> None:
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.flush()
            os.fsync(stream.fileno())  # a finished session survives a power cut too
        except OSError as exc:
            self.problem = self.problem or f"recording {self.path.name}: {exc.strerror or exc}"
        finally:
            try:
                stream.close()
            except OSError:
                pass

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- internals -----------------------------------------------------------------------

    def _write_entry(self, build: Callable[[float], dict[str, Any]]) -> None:
        with self._lock:
            if self._stream is None:
                return
            # Offsets never go backwards, even with a clock that does.
            offset = max(self._last_ms, round((self._clock() - self._start) * 1000.0, 3))
            self._last_ms = offset
            self._write_locked(build(offset))

    def _write(self, obj: dict[str, Any]) -> None:
        with self._lock:
            self._write_locked(obj)

    def _write_locked(self, obj: dict[str, Any]) -> None:
        try:
            data = _encode_line(obj, self._scrub)
        except (ValueError, TypeError, RecursionError) as exc:  # never the session's problem
            self.problem = f"recording {self.path.name}: an entry could not be written ({type(exc).__name__})"
            return
        try:
            assert self._stream is not None
            self._stream.write(data)
            self._stream.flush()
            self._since_rotate += len(data)
            if self._since_rotate >= ROTATE_EVERY:
                self.rotate()
        except OSError as exc:
            self.problem = f"recording {self.path.name} stopped: {exc.strerror or exc}"
            stream, self._stream = self._stream, None
            try:
                stream.close() if stream else None
            except OSError:
                pass
