"""Replaying a recording into the headless console, for the full-screen UI and `--headless` alike.

`open_replay` builds the console a recording needs (its dialect, format and timeout; the session
on the recording's clock, the speaker on the wall's). `drive_console` feeds the recording into
it through `tui.net.replay.drive`, with the hooks that make it show what it showed live.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tui.net.replay import ReplayTransport, check_speed, drive, session_options
from tui.recording import read_recording

from .config import resolve_config
from .console import Console
from .seams import default_speaker


class UnreadableRecording(Exception):
    """The file has no readable header: there is nothing to play."""


@dataclass
class Replay:
    transport: ReplayTransport
    console: Console
    problem: str | None   # where the file stops being readable; what comes before plays


def open_replay(path: Path, *, speed: float = 1.0, paused: bool = False, audio: str | None = None) -> Replay:
    """The transport and the (unstarted) console for replaying `path`.

    Raises UnreadableRecording when the file has no header, ValueError (ConfigError included)
    for a bad speed or a header the console cannot be configured from.
    """
    recording = read_recording(path)
    if recording.header is None:
        raise UnreadableRecording(recording.problem or f"{path}: not a recording")
    transport = ReplayTransport(recording, speed=check_speed(speed), paused=paused)
    config = resolve_config(provider="local", audio=audio, record=False, **session_options(recording))
    console = Console(config, clock=transport.clock,
                      speaker_factory=lambda progress: default_speaker(config, progress, time.monotonic))
    return Replay(transport, console, recording.problem)


def open_replay_or_exit_code(path: Path, *, speed: float, paused: bool, audio: str | None) -> Replay | int:
    """`open_replay` for the command line: a problem is one line on stderr and the exit code
    (1: nothing to play, 2: a bad value); a file readable only in part says where it stops."""
    try:
        return open_replay(path, speed=speed, paused=paused, audio=audio)
    except UnreadableRecording as exc:
        print(f"switchboard: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:   # ConfigError included
        print(f"switchboard: error: {exc}", file=sys.stderr)
        return 2


class ConsoleSink:
    """The console as a replay sink, behaving as it did live:

    - a recorded turn counts as a turn (not a phantom) and takes its place in the speaker's play
      order, as `submit_turn` does live, with nothing sent;
    - audio skipped over by a seek is stopped on the speaker;
    - an inactivity deadline that has passed on the replay's clock is applied before the next
      recorded entry (the console's own timer waits in wall seconds, whatever the speed).
    """

    def __init__(self, console: Console) -> None:
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
        self.session.adopt_turn(context_id)
        if self.console.speaker is not None:
            self.console.speaker.open(context_id)

    def mute(self, context_id: str | None) -> None:
        slot = self.session.slot_for(context_id)
        if slot is not None and self.console.speaker is not None:
            self.console.speaker.call("stop", slot.context_id)


async def drive_console(transport: ReplayTransport, console: Console) -> None:
    """Play the whole recording into a started console so that it shows what it showed live."""
    sink = ConsoleSink(console)
    await drive(transport, sink, mute=sink.mute, on_turn=sink.on_turn)
