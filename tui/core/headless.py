"""The line console: the headless core on stdin/stdout, for scripts and tests (`--headless`);
also plays recordings (`switchboard replay --headless`).

Each line is a turn; a line starting with "/" is a command (/help). The frame log is printed
as it grows. At the end of input it waits (bounded) for the turns to finish, then exits.
SIGINT and SIGTERM stop it cleanly: the socket is closed and the embedded server stopped.
"""
from __future__ import annotations

import asyncio
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
CONNECT_WAIT = 10.0
HELP = """commands:
  any text          stream it as a turn
  /barge            barge in (silence, close the speaking context)
  /keepalive        keep-alive for every open context
  /flush            flush every open context
  /close ID         close one context by hand
  /raw JSON         send a frame as typed
  /guard on|off     the client-side guard against a sixth context
  /rate WPS         words per second
  /reconnect        reconnect now
  /slots            show the five slots
  /clear            clear the frame log
  /quit             leave"""


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

    def on_changes(self, changes: Changes) -> None:
        if changes.log:
            for entry in self.console.session.log.entries(since=self._printed):
                print(format_entry(entry), file=self.out, flush=True)
            self._printed = self.console.session.log.last_seq
        if changes.banner is not None:
            print(f"!! {changes.banner.text}", file=self.out, flush=True)

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
                self._say(c.set_rate(arg))   # type: ignore[arg-type]
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
                print(HELP, file=self.out, flush=True)
            case _:
                self._say(CommandResult(False, f"unknown command /{name} (/help lists them)"))

    def _say(self, result: CommandResult) -> None:
        if result.message:
            print(("ok: " if result.ok else "error: ") + result.message, file=self.out, flush=True)

    def _print_slots(self) -> None:
        now = self.console.clock()
        for slot in self.console.session.slots:
            m = slot.metrics
            left = slot.countdown(now)
            print(f"[{slot.index + 1}] {slot.state.value:<11} {slot.context_id or '-':<10} "
                  f"sent {m.chars_sent} chars/{m.frames_sent} frames, audio {m.audio_seconds:.2f} s "
                  f"heard {m.heard_seconds:.2f} s, late {m.late_frames}"
                  + (f", {left:.1f} s left" if left is not None else ""), file=self.out, flush=True)


def _playing(console: Console) -> bool:
    """Audio received that the speaker has not finished playing (interrupted turns never will)."""
    heard = console.speaker.finished if console.speaker is not None else set()
    return any(s.metrics.audio_bytes and s.context_id not in heard and s.state.value != "interrupted"
               for s in console.session.slots)


def _busy(console: Console) -> bool:
    """Something is queued, streaming, awaiting its final, or still to be heard."""
    return bool(console.queued_turns or console.session.occupied_count()) or _playing(console)


async def _idle(console: Console, timeout: float, busy: Callable[[Console], bool] = _busy) -> None:
    """Wait (bounded) until the console is no longer busy."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end and busy(console):
        await asyncio.sleep(0.1)


async def run_lines(config: ConsoleConfig, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    console = Console(config)
    lines = LineConsole(console, out)
    console.add_observer(lines.on_changes)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lines.done.set)
    eof = asyncio.Event()

    def readable() -> None:
        line = stdin.readline()
        if not line:
            loop.remove_reader(stdin.fileno())
            eof.set()
        else:
            lines.handle(line)

    try:
        if not await console.start():
            return 1
        if console.server is not None:
            print(f"embedded server pid {console.server.pid} at {console.server.url}", file=out, flush=True)
        # Read input once connected (bounded), so piped /commands meet an open socket; turns
        # typed before then would only wait in the queue.
        await console.wait_connected(CONNECT_WAIT)
        loop.add_reader(stdin.fileno(), readable)
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
        try:
            loop.remove_reader(stdin.fileno())
        except (ValueError, OSError):
            pass
        await console.shutdown()


def run_headless(config: ConsoleConfig) -> int:
    try:
        return asyncio.run(run_lines(config))
    except KeyboardInterrupt:
        return 130
    finally:
        sys.stdout.flush()


async def replay_lines(path: Path, *, speed: float, paused: bool, audio: str | None,
                       stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """Play a recording in the line console; controls typed on stdin: p, step, next, speed X."""
    stdin, out = stdin or sys.stdin, out or sys.stdout
    replay = open_replay_or_exit_code(path, speed=speed, paused=paused, audio=audio)
    if isinstance(replay, int):
        return replay
    if replay.problem:   # plays what is before the problem
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
    except (OSError, ValueError):   # no pollable stdin (a file, a test): play on
        pass
    try:
        await console.start(connect=False)
        await drive_console(transport, console)
        await _idle(console, PLAY_OUT_TIMEOUT, _playing)   # let the last turn play out
    finally:
        try:
            loop.remove_reader(stdin.fileno())
        except (OSError, ValueError):
            pass
        await console.shutdown()
    return 0
