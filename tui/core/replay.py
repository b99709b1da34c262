"""Replaying a recording into the headless console, for the full-screen UI and `--headless` alike.

`open_replay` builds the console a recording needs (its dialect, format and timeout; the session
on the recording's clock, the speaker on the wall's). `drive_console` feeds the recording into
it through `tui.replay.drive`, with the hooks that make it show what it showed live.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tui.clock import Clock
from tui.protocol.urls import redact_query_secrets
from tui.recording import read_recording, records_heard
from tui.replay import ReplayTransport, check_speed, drive, session_options
from tui.session import (
    Changes,
    Connected,
    Interrupted,
    Level,
    Notice,
    Session,
    SlotState,
    SpeakerProgress,
    StatusUpdate,
)

from .config import ConfigError, resolve_config
from .console import Console
from .seams import default_speaker

FINISHED = "replay finished: r plays it again from the start, home goes back to the start"


class UnreadableRecording(Exception):
    """The file has no readable header: there is nothing to play."""


@dataclass
class Replay:
    transport: ReplayTransport
    console: Console
    problem: str | None  # where the file stops being readable; what comes before plays


def open_replay(
    path: Path,
    *,
    speed: float = 1.0,
    paused: bool = False,
    audio: str | None = None,
    hold_at_end: bool = False,
    clock: Clock = time.monotonic,
) -> Replay:
    """The transport and the (unstarted) console for replaying `path`.

    `hold_at_end`: a finished replay waits to be restarted (the full-screen console); `clock`
    is the wall clock the replay runs on (tests step it).

    Raises UnreadableRecording when the file has no header, ValueError (ConfigError included)
    for a bad speed or a header the console cannot be configured from.
    """
    recording = read_recording(path)
    if recording.header is None:
        raise UnreadableRecording(recording.problem or f"{path}: not a recording")
    if not recording.entries:
        raise UnreadableRecording(
            f"{path}: nothing to play: no frame or action after the header"
            + (f" ({recording.problem})" if recording.problem else "")
        )
    transport = ReplayTransport(
        recording, speed=check_speed(speed), paused=paused, hold_at_end=hold_at_end, clock=clock
    )
    try:
        config = resolve_config(provider="local", audio=audio, record=False, **session_options(recording))
    except ConfigError as exc:
        raise ConfigError(bad_header_field(path, str(exc))) from None
    console = Console(
        config,
        clock=transport.clock,
        speaker_factory=lambda progress: default_speaker(config, progress, time.monotonic),
    )
    return Replay(transport, console, recording.problem)


# The header fields a replay configures its console from, by the option each becomes.
_HEADER_FIELDS = {
    "--dialect": "dialect",
    "--output-format": "output_format",
    "--url": "url",
    "--inactivity-timeout": "url",
    "--voice": "voice",
    "--model": "model",
}


def bad_header_field(path: Path, message: str) -> str:
    """A configuration error from a recording's header, said of the header's field (the user
    gave no --dialect or --output-format: the file did)."""
    for option, name in _HEADER_FIELDS.items():
        if message.startswith(option):
            why = message[len(option) :].lstrip(": ") or message
            return redact_query_secrets(f"recording {path} line 1: bad header field {name!r}: {why}")
    return redact_query_secrets(f"recording {path} line 1: bad header: {message}")


def open_replay_or_exit_code(
    path: Path, *, speed: float, paused: bool, audio: str | None, hold_at_end: bool = False
) -> Replay | int:
    """`open_replay` for the command line: a problem is one line on stderr and the exit code
    (1: nothing to play, 2: a bad value); a file readable only in part says where it stops."""
    try:
        return open_replay(path, speed=speed, paused=paused, audio=audio, hold_at_end=hold_at_end)
    except UnreadableRecording as exc:
        print(f"switchboard: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # ConfigError included
        print(f"switchboard: error: {exc}", file=sys.stderr)
        return 2


# The status fields the console sets when it starts (not outcomes of the session): a restarted
# replay keeps them.
_SETUP_FIELDS = ("provider", "model", "voice", "audio_backend", "silent_reason", "url", "recording", "rate")


class ConsoleSink:
    """The console as a replay sink, behaving as it did live:

    - a recorded turn counts as a turn (not a phantom) and takes its place in the speaker's play
      order, as `submit_turn` does live, with nothing sent;
    - the connection comes up and goes down where the recording says (a recorded close is
      folded exactly as the live close was: open contexts fail, their audio ends);
    - a recorded barge-in interrupts the contexts the recording names, with what had been heard
      of each as recorded: the outcome is not decided again from what this replay's speaker
      has played (at x8 it has heard far less, and would cut turns that had finished);
    - what the listener heard of each context is what the recording says the speaker reported
      live (`heard` actions), folded at its recorded time; this replay's speaker only plays the
      sound. A recording made before those were recorded gets an estimate on the recording's
      clock (the audio heard as it arrived), the same at every speed;
    - audio skipped over by a seek is stopped on the speaker;
    - an inactivity deadline that has passed on the replay's clock is applied before the next
      recorded entry (the console's own timer waits in wall seconds, whatever the speed).
    """

    def __init__(self, console: Console, *, estimate_heard: bool = False) -> None:
        self.console = console
        self.session = console.session
        self._pressed_at: float | None = None
        self._estimate_heard = estimate_heard
        console.heard_from_recording = True

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
        if self._estimate_heard:
            self._fold_estimated_heard(now)

    def heard(self, context_id: str, samples: int, rate: int, finished: bool) -> None:
        self.tick()
        self.console.apply(SpeakerProgress(context_id, samples, rate, finished))

    def _fold_estimated_heard(self, now: float) -> None:
        # Before every entry (and at the end) on the recording's clock, so each context's last
        # estimate, before its slot is taken by another or at the end, is the same at any speed.
        for slot in self.session.slots:
            if slot.context_id is None or slot.state is SlotState.INTERRUPTED:
                continue  # an interruption carries its own figure
            heard = _estimated_heard(slot, now)
            if heard is not None and abs(heard - slot.metrics.heard_seconds) >= 1e-6:
                self.console.apply(SpeakerProgress(slot.context_id, round(heard * 1_000_000), 1_000_000))

    def on_turn(self, context_id: str, text: str) -> None:
        self.session.adopt_turn(context_id)
        self.console._turn_opened(context_id, text)  # what a turn opening did live (nothing is recorded)

    def connected(self, url: str) -> None:
        self.tick()
        self.console.apply(Connected(url))

    def closed(self, code: int | None, reason: str, expected: bool, asked: bool) -> None:
        self.tick()
        self.console._on_down(code, reason, expected, asked)  # what the live connection's close did

    def interrupted(self, context_id: str, heard_seconds: float | None, first: bool) -> None:
        self.tick()
        speaker = self.console.speaker
        now = self.session.clock()
        if first:
            self._pressed_at = now
            if speaker is not None:
                speaker.call("barge_in")  # the key silences everything first, as live
        if speaker is not None:
            speaker.call("stop", context_id)
        if heard_seconds is None:
            heard_seconds = _estimated_heard(self.session.slot_for(context_id), now)
        self.console.apply(
            Interrupted(context_id, heard_seconds, self._pressed_at if first else None, 0.0 if first else None)
        )

    def reset(self) -> None:
        """Start the model afresh in place (the UI keeps its references to the session and its
        log), silence the speaker, and repaint everything."""
        console, old = self.console, self.session
        if console.speaker is not None:
            console.speaker.call("barge_in")
            console.speaker.finished.clear()
        fresh = Session(
            old.dialect,
            old.output_format,
            clock=old.clock,
            inactivity_timeout=console.config.inactivity_timeout,
            guard=console.config.guard,
            log_capacity=old.log.capacity,
        )
        for name in _SETUP_FIELDS:
            setattr(fresh.status, name, getattr(old.status, name))
        log = old.log
        log.clear()
        vars(old).update({k: v for k, v in vars(fresh).items() if k != "log"})
        old.log = log
        self._pressed_at = None
        console._after(Changes(slots=set(range(len(old.slots))), log=True, transcript=True, status=True))
        console.apply(Notice("replay restarted from the start"))

    def server_said(self, text: str, level: Level, state: bool) -> None:
        self.tick()
        if state:
            self.console.apply(StatusUpdate({"server_state": text}))
        else:
            self.console.apply(Notice(text, level, banner=True))

    def mute(self, context_id: str | None) -> None:
        slot = self.session.slot_for(context_id)
        if slot is not None and self.console.speaker is not None:
            self.console.speaker.call("stop", slot.context_id)


def _estimated_heard(slot: object, now: float) -> float | None:
    """For a recording made before what had been heard was recorded: what a listener would have
    heard of the audio played as it arrived, on the recording's clock (so the same at every
    speed); None when nothing of it had arrived."""
    metrics = getattr(slot, "metrics", None)
    if metrics is None or metrics.first_audio_at is None:
        return None
    heard: float = min(metrics.audio_seconds, max(0.0, now - metrics.first_audio_at))
    return heard


async def drive_console(transport: ReplayTransport, console: Console) -> None:
    """Play the whole recording into a started console so that it shows what it showed live.
    With `transport.hold_at_end` it returns only when the transport is closed (a finished
    replay says so and waits for a restart)."""
    sink = ConsoleSink(console, estimate_heard=not records_heard(transport.recording.header))

    def finished() -> None:
        sink.tick()  # the end of the recording: deadlines and estimates up to it
        console.apply(Notice(FINISHED))

    transport.on_finished = finished
    await drive(transport, sink, mute=sink.mute, on_turn=sink.on_turn)
    sink.tick()
