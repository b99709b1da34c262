"""The line console: the headless core on stdin/stdout, for scripts and tests (`--headless`);
also plays recordings (`switchboard replay --headless`).

Each line is a turn; a line starting with "/" is a command (/help). The frame log is printed
as it grows. At the end of input it waits (bounded) for the turns to finish, then exits.
SIGINT and SIGTERM stop it cleanly: the socket is closed and the embedded server stopped.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from tui.session import Changes, LogEntry

from .config import ConsoleConfig
from .console import CommandResult, Console
from .replay import drive_console, open_replay_or_exit_code

ARROWS = {"sent": "→", "received": "←", "note": "·"}
DRAIN_TIMEOUT = 60.0
PLAY_OUT_TIMEOUT = 30.0
PLAYED_OUT = 0.02  # seconds still to hear that count as none (the speaker's last block)
STALLED_AFTER = 2.0  # the speaker heard nothing more for this long: stop waiting for it
CONNECT_WAIT = 10.0
HELP = """commands:
  any text          stream it as a turn
  /barge            barge in (silence, close the speaking context)
  /keepalive        keep-alive for every open context
  /flush            flush every open context
  /close ID         close one context by hand
  /raw JSON         send a frame as typed
  /guard on|off     the client-side guard against a context past the dialect's limit
  /rate WPS         words per second
  /reconnect        reconnect now
  /slots            show the slots
  /clear            clear the frame log
  /quit             leave"""


def printable(text: str, encoding: str | None) -> str:
    """`text` as `encoding` can write it: what it cannot (a lone surrogate in a server's context
    id, an emoji on an ASCII terminal) becomes a backslash escape, so one odd frame never stops
    the output (a failed print would be reported through this same output, and fail again)."""
    encoding = encoding or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        try:
            return text.encode(encoding, "backslashreplace").decode(encoding, "replace")
        except LookupError:
            return text.encode("ascii", "backslashreplace").decode("ascii")


def format_entry(entry: LogEntry) -> str:
    cid = entry.context_id or "-"
    size = f"{entry.size:,} B" if entry.direction != "note" else ""
    return f"{entry.at:9.3f} {ARROWS.get(entry.direction, '?')} {cid:<10} {size:>10}  {entry.summary}"


class LineConsole:
    def __init__(self, console: Console, out: TextIO) -> None:
        self.console = console
        self.out = out
        self._printed = 0
        self.done = asyncio.Event()

    def print(self, text: str) -> None:
        """The one way out: any string is written (escaped where the stream cannot encode it)."""
        print(printable(text, getattr(self.out, "encoding", None)), file=self.out, flush=True)

    def on_changes(self, changes: Changes) -> None:
        if changes.log:
            entries = self.console.session.log.entries(since=self._printed)
            self._printed = self.console.session.log.last_seq
            for entry in entries:
                self.print(format_entry(entry))
        if changes.banner is not None:
            self.print(f"!! {changes.banner.text}")

    def handle(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if not line.startswith("/"):
            self._say(self.console.submit_turn(line))
            return
        name, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        c = self.console
        match name:
            case "barge":
                cid = c.barge_in()
                self._say(CommandResult(cid is not None, f"barged in on {cid}" if cid else "nothing to stop"))
            case "keepalive":
                self._say(c.keep_alive())
            case "flush":
                self._say(c.flush_now())
            case "close":
                self._say(c.close_context(arg) if arg else CommandResult(False, "usage: /close CONTEXT_ID"))
            case "raw":
                self._say(c.send_raw(arg))
            case "guard" if arg in ("on", "off"):
                c.set_guard(arg == "on")
                self._say(CommandResult(True, f"guard {arg}"))
            case "rate":
                self._say(c.set_rate(arg))  # type: ignore[arg-type]
            case "reconnect":
                c.reconnect()
            case "slots":
                self._print_slots()
            case "clear":
                c.clear_log()
                self._printed = c.session.log.last_seq
            case "quit" | "exit":
                self.done.set()
            case "help":
                self.print(HELP)
            case _:
                self._say(CommandResult(False, f"unknown command /{name} (/help lists them)"))

    def _say(self, result: CommandResult) -> None:
        if result.message:
            self.print(("ok: " if result.ok else "error: ") + result.message)

    def _print_slots(self) -> None:
        now = self.console.clock()
        for slot in self.console.session.slots:
            m = slot.metrics
            left = slot.countdown(now)
            self.print(
                f"[{slot.index + 1}] {slot.state.value:<11} {slot.context_id or '-':<10} "
                f"sent {m.chars_sent} chars/{m.frames_sent} frames, audio {m.audio_seconds:.2f} s "
                f"heard {m.heard_seconds:.2f} s, late {m.late_frames}"
                + (f", {left:.1f} s left" if left is not None else "")
            )


class InputLines:
    """Lines typed or piped on stdin, every complete line of each read handed on at once (three
    turns written together start together), decoded tolerantly: bytes that are not UTF-8 become
    U+FFFD, and the operator is told which line. A line longer than MAX_LINE is cut there."""

    CHUNK = 65536
    MAX_LINE = 1 << 20

    def __init__(self, on_line: Callable[[str], None], say: Callable[[str], None], on_eof: Callable[[], None]) -> None:
        self._on_line, self._say, self._on_eof = on_line, say, on_eof
        self._buffer = b""
        self._count = 0
        self._fd: int | None = None
        self._task: asyncio.Future[None] | None = None

    def start(self, stdin: TextIO) -> None:
        loop = asyncio.get_running_loop()
        try:
            self._fd = stdin.fileno()
        except (AttributeError, OSError, ValueError):  # no descriptor (a StringIO): read it whole
            self.feed(stdin.read().encode("utf-8", "surrogateescape"))
            self.feed(b"")
            return
        try:
            loop.add_reader(self._fd, self._readable)
        except (OSError, ValueError):
            # Not pollable (a regular file, /dev/null): reads never block, so read it on a worker.
            self._task = asyncio.ensure_future(self._read_file(self._fd))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._fd is not None:
            try:
                asyncio.get_running_loop().remove_reader(self._fd)
            except (OSError, ValueError):
                pass

    def _readable(self) -> None:
        assert self._fd is not None
        try:
            data = os.read(self._fd, self.CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self._fd)
        self.feed(data)

    async def _read_file(self, fd: int) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                data = await loop.run_in_executor(None, os.read, fd, self.CHUNK)
            except OSError:
                data = b""
            self.feed(data)
            if not data:
                return

    def feed(self, data: bytes) -> None:
        """Hand on the complete lines in `data`; `b""` is the end of input (a last unterminated
        line counts)."""
        self._buffer += data
        *complete, self._buffer = self._buffer.split(b"\n")
        if len(self._buffer) > self.MAX_LINE:
            complete.append(self._buffer[: self.MAX_LINE])
            self._buffer = b""
            self._say(f"warning: input line {self._count + len(complete)} is over {self.MAX_LINE:,} bytes: cut there")
        if not data and self._buffer:
            complete.append(self._buffer)
            self._buffer = b""
        for raw in complete:
            self._line(raw)
        if not data:
            self._on_eof()

    def _line(self, raw: bytes) -> None:
        self._count += 1
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
            self._say(f"warning: input line {self._count} is not valid UTF-8: its undecodable bytes are sent as \ufffd")
        self._on_line(text)


def _to_hear(console: Console) -> float:
    """Seconds of audio received that the speaker has not played yet. Counted from what was
    heard, not from finals: a turn cut by a disconnect never gets its final, and waiting for one
    would wait the whole bound (interrupted turns are never played out)."""
    heard = console.speaker.finished if console.speaker is not None else set()
    return sum(
        max(0.0, s.metrics.audio_seconds - s.metrics.heard_seconds)
        for s in console.session.slots
        if s.metrics.audio_bytes and s.context_id not in heard and s.state.value != "interrupted"
    )


def _playing(console: Console) -> bool:
    """Audio received that the speaker has not finished playing."""
    return _to_hear(console) > PLAYED_OUT


def _busy(console: Console) -> bool:
    """Something is queued, streaming, awaiting its final, or still to be heard."""
    return bool(console.queued_turns or console.session.occupied_count()) or _playing(console)


async def _idle(console: Console, timeout: float, busy: Callable[[Console], bool] = _busy) -> None:
    """Wait (bounded) until the console is no longer busy."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end and busy(console):
        await asyncio.sleep(0.1)


async def _play_out(console: Console, bound: float = PLAY_OUT_TIMEOUT) -> None:
    """Wait while received audio remains to be heard: as long as it takes the speaker to play it
    (it plays in real time at any replay speed), never past `bound`, and no longer once the
    speaker has played nothing for STALLED_AFTER (a speaker that stopped)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + bound
    left, moved_at = _to_hear(console), loop.time()
    while left > PLAYED_OUT and loop.time() < end and loop.time() - moved_at < STALLED_AFTER:
        await asyncio.sleep(0.1)
        now_left = _to_hear(console)
        if now_left != left:
            left, moved_at = now_left, loop.time()


async def run_lines(config: ConsoleConfig, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    console = Console(config)
    lines = LineConsole(console, out)
    console.add_observer(lines.on_changes)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lines.done.set)
    eof = asyncio.Event()
    stdin_reader = InputLines(lines.handle, lines.print, eof.set)
    try:
        if not await console.start():
            return 1
        if console.server is not None:
            print(f"embedded server pid {console.server.pid} at {console.server.url}", file=out, flush=True)
        # Read input once connected (bounded), so piped /commands meet an open socket; turns
        # typed before then would only wait in the queue.
        await console.wait_connected(CONNECT_WAIT)
        stdin_reader.start(stdin)
        eof_task = asyncio.ensure_future(eof.wait())
        done_task = asyncio.ensure_future(lines.done.wait())
        await asyncio.wait([eof_task, done_task], return_when=asyncio.FIRST_COMPLETED)
        if eof.is_set() and not lines.done.is_set():
            drain = asyncio.ensure_future(_idle(console, DRAIN_TIMEOUT))
            await asyncio.wait([drain, done_task], return_when=asyncio.FIRST_COMPLETED)
            drain.cancel()
        eof_task.cancel()
        done_task.cancel()
        return 0
    finally:
        stdin_reader.stop()
        await console.shutdown()


def run_headless(config: ConsoleConfig) -> int:
    try:
        return asyncio.run(run_lines(config))
    except KeyboardInterrupt:
        return 130
    finally:
        sys.stdout.flush()


async def replay_lines(
    path: Path, *, speed: float, paused: bool, audio: str | None, stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    """Play a recording in the line console; controls typed on stdin: p, step, next, speed X."""
    stdin, out = stdin or sys.stdin, out or sys.stdout
    replay = open_replay_or_exit_code(path, speed=speed, paused=paused, audio=audio)
    if isinstance(replay, int):
        return replay
    if replay.problem:  # plays what is before the problem
        print(f"switchboard: {replay.problem}", file=sys.stderr)
    transport, console = replay.transport, replay.console
    await transport.connect()
    console.add_observer(LineConsole(console, out).on_changes)
    loop = asyncio.get_running_loop()

    def typed() -> None:
        line = stdin.readline()
        if not line:
            loop.remove_reader(stdin.fileno())
        elif line.strip():
            print(transport.command(line), file=out, flush=True)

    try:
        loop.add_reader(stdin.fileno(), typed)
    except (OSError, ValueError):  # no pollable stdin (a file, a test): play on
        pass
    try:
        await console.start(connect=False)
        await drive_console(transport, console)
        await _play_out(console)  # let the last turn play out
    finally:
        try:
            loop.remove_reader(stdin.fileno())
        except (OSError, ValueError):
            pass
        await console.shutdown()
    return 0
