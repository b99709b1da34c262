"""`Console`: the headless console. One connection, the session model, the speaker, the
recorder, the turn pacers and (for the local provider) the embedded server child.

Every command returns at once (they are plain methods on the loop thread; frames are handed
to one writer task, so their order on the wire is the order they were issued). Observers get
the `Changes` of every `Session.apply`, on the loop thread, and read `console.session`.

Decisions a UI can rely on:
- A turn typed while disconnected, or while the dialect's contexts are all busy with the guard on, is
  queued (`queued_turns`) and starts when it can; nothing typed is dropped. A turn cut short
  by a lost connection stays in the transcript; it is not re-sent (that would speak it twice).
- Barge-in silences the speaker first, then sends close_context (Murf: clear) for every
  context that could still be heard, marks them interrupted, and drops their later audio.
- Each turn ends by the end-of-turn pattern current when it started (`turn_end`,
  `set_turn_end`, `cycle_turn_end`; tui.core.turn_end); its slot, transcript line and recorded
  `turn` action name it.
- `--auth body` (config `auth`): the key rides in each context's opening message instead of
  the handshake header (ElevenLabs only); the frame log and the recording show it as ***.
- Live settings (`settings`, `set_settings`; tui.core.settings): per-context ones go out with
  the next context, a changed query option reconnects with it in the URL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from tui.clock import Clock
from tui.net.backoff import Backoff
from tui.net.transport import Transport
from tui.protocol.dialect import Dialect
from tui.protocol.frames import DecodeError, ErrorFrame, load_object
from tui.protocol.urls import AUTH_BODY, auth_headers, redact_text, redact_url
from tui.session import (
    Changes,
    Disconnected,
    FrameReceived,
    FrameSent,
    Level,
    Notice,
    Session,
    SpeakerProgress,
    StatusUpdate,
    Tick,
    TurnOpened,
    TurnQueued,
    Wire,
    check_rate,
)
from tui.session.settings import Settings
from tui.session.status import context_limit

from .barge_in import BargeInParts, barge_in
from .config import ConsoleConfig
from .connection import Connection, Hooks, key_refused_message
from .embedded import START_TIMEOUT, EmbeddedKeeper, EmbeddedServer, EmbeddedServerError, KeeperHooks
from .seams import RecorderLike, default_recorder, default_speaker, default_transport, start_recorder
from .settings import apply_settings
from .socket_keepalive import keep_alive_interval, keep_socket_alive
from .speaker_link import ProgressHop, SpeakerLike, SpeakerLink
from .turn_end import AudioSeen, TurnEnd, next_turn_end, parse_turn_end
from .turns import TurnHooks, Turns, wire_cid

# A `heard` action is recorded when a context's heard seconds have moved on by this much since
# the last one (and always when the speaker says it finished): a replay shows the progress in
# these steps, at the recorded times, and ends on the exact figure.
HEARD_STEP_S = 0.25
Observer = Callable[[Changes], None]
TransportFactory = Callable[[str, dict[str, str]], Transport]
SpeakerFactory = Callable[[Callable[[str, int, int, bool], None]], SpeakerLike]


@dataclass(frozen=True)
class CommandResult:
    """What a command did: `ok`, and one line for the operator (shown when not ok)."""

    ok: bool
    message: str = ""


class Console:
    def __init__(
        self,
        config: ConsoleConfig,
        *,
        clock: Clock = time.monotonic,
        speaker_factory: SpeakerFactory | None = None,
        recorder_factory: Callable[[ConsoleConfig, str], RecorderLike | None] | None = None,
        transport_factory: TransportFactory | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.session = Session(
            config.dialect,
            config.audio_format,
            clock=clock,
            inactivity_timeout=config.inactivity_timeout,
            guard=config.guard,
            secrets=[config.api_key],
        )
        self.session.status.rate = config.rate
        self.auth = config.auth  # checked by resolve_config
        self.settings = Settings.defaults(config.dialect)
        self.wire = Wire(
            config.dialect,
            api_key=config.api_key if self.auth == AUTH_BODY else None,
            audio_format=config.audio_format,  # Inworld names it in each context's create
            model=config.model,
        ).with_settings(self.settings, voice=config.voice)
        if config.dialect is Dialect.ELEVENLABS_DIALOGUE:
            # The transcript labels each voice as the operator types it: A: the list's first.
            self.session.name_speakers(self.wire.dialogue_voices())
        self.keeper: EmbeddedKeeper | None = None  # the embedded server, restarted when it dies
        self.recorder: RecorderLike | None = None
        self.speaker: SpeakerLink | None = None
        self._base: str | None = None  # the embedded server's URL, once it is up
        self.endpoint = self.query_endpoint() if not config.embedded else ""
        self._speaker_factory = speaker_factory or (lambda cb: default_speaker(config, cb, clock))
        self._recorder_factory = recorder_factory or (lambda cfg, url: default_recorder(cfg, url, clock))
        self._transport_factory = transport_factory or (lambda url, headers: default_transport(config, url, headers))
        self._observers: list[Observer] = []
        self.turns = Turns(
            self.wire,
            TurnHooks(
                new_context_id=self.session.new_context_id,
                can_start=self._can_start_turn,
                emit=self.emit,
                opened=self._turn_opened,
                spawn=self._spawn,
                ended=self._turn_ended,
                started=self._turn_started,
                audio_seen=self._audio_seen,
                queue_changed=lambda n: self.apply(StatusUpdate({"queued_turns": n})),
            ),
            clock=clock,
            rate=config.rate,
            turn_end=config.turn_end,
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self.connection = Connection(
            lambda: self._transport_factory(self.endpoint, self._headers()),
            Hooks(
                apply=self.apply,
                received=self._on_received,
                sent=self._on_sent,
                up=self._on_up,
                down=self._on_down,
                idle_after_expected_close=self._idle_after_stream_end,
                error_in=self._error_in,
                key_refused=self._key_refused,
            ),
            clock=clock,
            backoff=backoff or Backoff(),
            auto_reconnect=config.auto_reconnect,
        )
        self._closing = False
        self._deadline_timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_sent_at = clock()
        self._reconnect_asked = False
        self._key_sent = False  # auth in the body: a frame carrying the key went out on this socket
        # A replay sets this: the model's heard seconds are the recorded ones (folded by
        # tui.core.replay); its speaker only plays the sound for the operator.
        self.heard_from_recording = False
        self._heard_recorded: dict[str, tuple[float, bool]] = {}  # per context, the last recorded
        self._heard_unrecorded: dict[str, SpeakerProgress] = {}  # applied since, below the step

    # ---- life cycle -----------------------------------------------------------------------

    async def start(self, *, connect: bool = True, server_timeout: float = START_TIMEOUT) -> bool:
        """Start the speaker, the embedded server (local provider), the recorder, and connect.

        Returns False when the embedded server could not start (the banner says why); the
        console stays usable for reading that message. Connecting happens in the background.
        """
        self._loop = asyncio.get_running_loop()
        hop = ProgressHop(self._loop, self._on_progress)
        self.speaker = SpeakerLink(self._speaker_factory(hop), self._speaker_problem)
        sp = self.speaker.speaker
        self.apply(
            StatusUpdate(
                {
                    "provider": self.config.provider,
                    "model": self.config.model,
                    "voice": self.config.voice,
                    "audio_backend": sp.backend_name,
                    "silent_reason": sp.silent_reason,
                    "turn_end": self.turn_end.value,
                }
            )
        )
        if self.config.embedded:
            faults, seed = self.config.server_faults, self.config.fault_seed  # the console is never told what fires
            # Spawned on the loop thread on purpose: the child's parent-death signal is tied
            # to the thread that forked it.
            self.keeper = EmbeddedKeeper(
                lambda: EmbeddedServer.spawn(self.config.local_voice, faults=faults, fault_seed=seed),
                KeeperHooks(
                    down=self.connection.hold,
                    up=self._server_restarted,
                    say=self._server_says,
                    state=self._server_state,
                ),
                clock=self.clock,
                timeout=server_timeout,
            )
            try:
                base = await self.keeper.start()
            except EmbeddedServerError as exc:
                self.apply(Notice(str(exc), "error", banner=True))
                return False
            self._base = base
            self.endpoint = self.query_endpoint()
        self.apply(StatusUpdate({"url": redact_url(self.endpoint)}))
        self.recorder = self._start_recorder()
        if connect:
            self._spawn(self.connection.run())
            if self.config.dialect is Dialect.ELEVENLABS:
                self._spawn(
                    keep_socket_alive(
                        interval=lambda: keep_alive_interval(self.session.inactivity_timeout),
                        clock=self.clock,
                        last_sent=lambda: self._last_sent_at,
                        connected=self._may_keep_socket_alive,
                        send=lambda: self.emit(self.wire.keep_alive(None)),
                    )
                )
        return True

    @property
    def server(self) -> EmbeddedServer | None:
        """The embedded server's current child (None with a provider or a --url)."""
        return None if self.keeper is None else self.keeper.server

    def _server_restarted(self, base: str) -> None:
        self._base = base
        self.endpoint = self.query_endpoint()  # the live query options hold on the new server too
        self.apply(StatusUpdate({"url": redact_url(self.endpoint)}))
        self.connection.release()

    def _server_says(self, text: str, level: Level) -> None:
        self.record_action("server-said", text=text, level=level)  # a replay shows it too
        self.apply(Notice(text, level, banner=True))

    def _server_state(self, text: str) -> None:
        self.record_action("server-state", text=text)
        self.apply(StatusUpdate({"server_state": text}))

    async def wait_connected(self, timeout: float = 10.0) -> bool:
        """Wait (bounded) until the connection is up; False on timeout."""
        return await self.connection.wait_up(timeout)

    @property
    def connected(self) -> bool:
        return self.connection.connected

    async def frames_written(self, timeout: float = 5.0) -> bool:
        """Wait (bounded) until every frame issued so far is on the socket; False on timeout."""
        return await self.connection.frames_written(timeout)

    async def shutdown(self) -> None:
        """Close the socket, stop pacers, speaker, recorder and the embedded server. Idempotent."""
        if self._closing:
            return
        self._closing = True
        self._record_unrecorded_heard()  # the model ends on what the recording ends on
        if self.keeper is not None:
            self.keeper.stop_restarting()  # first: a child dying from now on is not restarted
        self.turns.cancel_all()
        await self.connection.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=3.0)
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
        if self.speaker is not None:
            self.speaker.call("close")
        if self.recorder is not None:
            self.recorder.close()
        if self.keeper is not None:
            await self.keeper.close()

    # ---- observers ------------------------------------------------------------------------

    def add_observer(self, observer: Observer) -> Callable[[], None]:
        """Call `observer(changes)` after every change (loop thread); returns a remover."""
        self._observers.append(observer)
        return lambda: self._observers.remove(observer) if observer in self._observers else None

    @property
    def queued_turns(self) -> list[str]:
        return list(self.turns.queue)

    # ---- commands ---------------------------------------------------------------------------

    def submit_turn(self, text: str) -> CommandResult:
        """Stream `text` as a new turn in a new context, or queue it until that is possible."""
        text = text.strip()
        if not text:
            return CommandResult(False, "nothing to send: the turn is empty")
        if not self.turns.submit(text):
            self.apply(TurnQueued(text))  # the transcript shows it waiting
            why = (
                "not connected"
                if not self.connected
                else f"all contexts busy: {context_limit(self.config.dialect.max_contexts)}, guard on"
            )
            if self.config.dialect is Dialect.ELEVENLABS_SINGLE and self.connected:
                why = "the previous turn is still on the socket"
            if not self.connected:
                self.connection.wake()
            return CommandResult(True, f"queued ({why}): it starts when it can")
        return CommandResult(True, "streaming")

    def barge_in(self) -> str | None:
        """Silence the speaker, abandon every context that could still be heard; the one that
        was playing (or the current turn's) is returned, None if there was nothing to stop."""
        assert self.speaker is not None, "start() first"
        parts = BargeInParts(
            self.speaker,
            self.session.slots,
            self.turns,
            self.wire,
            self.clock,
            self.apply,
            self.emit,
            self.connection.close_socket,
            self.record_action,
        )
        return barge_in(parts)

    def keep_alive(self) -> CommandResult:
        """Reset the inactivity clock of every open context (empty text for each)."""

        def one(cid: str) -> None:
            self.emit(self.wire.keep_alive(wire_cid(cid)))
            self.record_action("keep-alive", context_id=cid)

        return self._each_open_context(one, "keep alive", "keep-alive sent to")

    def flush_now(self) -> CommandResult:
        """Flush every open context: generate what the server has buffered."""
        if not self.wire.can_flush:
            return CommandResult(False, "Murf has no flush: text is generated at sentence ends or buffer limits")

        def one(cid: str) -> None:
            self.emit(self.wire.flush(wire_cid(cid)))
            self.turns.flushed(cid)

        return self._each_open_context(one, "flush", "flushed")

    def _each_open_context(self, action: Callable[[str], None], verb: str, done: str) -> CommandResult:
        if not self.connected:
            return CommandResult(False, "not connected")
        ids = [s.context_id for s in self.session.open_contexts() if s.context_id is not None]
        if not ids:
            return CommandResult(False, f"no open context to {verb}")
        for cid in ids:
            action(cid)
        return CommandResult(True, f"{done} {len(ids)} context(s)")

    def close_context(self, context_id: str) -> CommandResult:
        """Close one open context by hand (close_context; Murf: end). It drains, then finals."""
        if not self.connected:
            return CommandResult(False, "not connected")
        slot = self.session.slot_for(context_id)
        if slot is None or not slot.occupied:
            return CommandResult(
                False,
                f"context {context_id} is not open (naming it would open a phantom "
                "context; send a raw frame if that is what you want)",
            )
        if slot.close_sent:
            return CommandResult(False, f"context {context_id} is already closing")
        self.turns.cancel(context_id)
        self.emit(self.wire.close(wire_cid(context_id)))
        return CommandResult(True, f"closing {context_id}")

    def send_raw(self, text: str) -> CommandResult:
        """Send a hand-typed JSON frame as is (after checking it is a JSON object)."""
        obj = load_object(text)
        if isinstance(obj, DecodeError):
            return CommandResult(False, f"not sent: {obj.reason}")
        if not self.connected:
            return CommandResult(False, "not sent: not connected")
        opened = self.session.context_opened_by(text)
        if isinstance(opened, str) and self.session.guard and not self.session.can_open_context():
            limit = self.session.dialect.max_contexts  # an int: with no cap every context fits
            return CommandResult(
                False,
                f"not sent: it would open context {opened} past the {limit} "
                f"{self.session.dialect.value} allows at once; turn the guard "
                "off to see the server refuse it",
            )
        self.emit(text)
        if isinstance(opened, DecodeError):
            return CommandResult(True, f"sent, but it does not fit the schema ({opened.reason})")
        return CommandResult(True, "sent" + (f": it opens context {opened}" if opened else ""))

    def set_guard(self, on: bool) -> None:
        """Turn the client-side guard against a context past the dialect's limit on or off."""
        self.apply(StatusUpdate({"guard": bool(on)}))
        self._pump_queue()

    def set_rate(self, wps: float) -> CommandResult:
        """Words per second for turns, effective from the next word of turns in progress."""
        try:
            rate = check_rate(wps)
        except ValueError as exc:
            return CommandResult(False, str(exc))
        self.turns.set_rate(rate)
        self.apply(StatusUpdate({"rate": rate}))
        return CommandResult(True, f"{rate:g} words per second")

    @property
    def turn_end(self) -> TurnEnd:
        """The end-of-turn pattern the next turn will use."""
        return self.turns.turn_end

    def set_turn_end(self, pattern: TurnEnd | str) -> CommandResult:
        """Choose how turns end from the next one on (turns in progress keep theirs)."""
        try:
            chosen = parse_turn_end(pattern)
        except ValueError as exc:
            return CommandResult(False, str(exc))
        self.turns.turn_end = chosen
        self.apply(StatusUpdate({"turn_end": chosen.value}))
        return CommandResult(True, f"turns end with {chosen.value} from the next turn")

    def cycle_turn_end(self) -> CommandResult:
        return self.set_turn_end(next_turn_end(self.turn_end))

    def set_settings(self, settings: Settings) -> CommandResult:
        """Live settings: per-context ones from the next context on; a changed query option
        reconnects (with it in the URL) and says so."""
        return apply_settings(self, settings)

    def query_endpoint(self) -> str:
        """The endpoint with the live query options."""
        return self.config.endpoint(self._base, self.settings.query())

    @property
    def started(self) -> bool:
        return self._loop is not None and not self._closing

    def reconnect(self) -> None:
        """Drop the connection (if any) and connect again now, without waiting for backoff; an
        embedded server that was given up on is started again."""
        if self.keeper is not None and self.keeper.retry():
            return  # the connection follows once it listens
        self._reconnect_asked = self.connected  # its close is the operator's doing: not an error
        if not self.connected:
            self.apply(Notice("reconnecting (asked)"))
        self.connection.reconnect()

    def clear_log(self) -> None:
        self._notify(self.session.clear_log())

    def dismiss_banner(self) -> None:
        self._notify(self.session.dismiss_banner())

    def tick(self) -> None:
        """Check deadlines now: inactivity, and finals overdue (the console also does this
        itself when one is due)."""
        self.apply(Tick())

    def ingest(self, direction: str, data: str | bytes) -> None:
        """Feed a frame to the model as if it crossed the socket, without sending anything.

        For replay: recorded sent frames open and close slots as they did, received frames
        play through the speaker.
        """
        if direction == "sent":
            self.apply(FrameSent(data if isinstance(data, str) else data.decode("utf-8", "replace")))
        else:
            self.apply(FrameReceived(data))

    # ---- turns ------------------------------------------------------------------------------

    def _can_start_turn(self) -> bool:
        if not self.connected:
            return False
        if self.config.dialect is Dialect.ELEVENLABS_SINGLE:
            # One stream per socket: a new turn waits for the next connection.
            return not self.connection.close_expected and not self.turns.active
        return not self.session.guard or self.session.can_open_context()

    def _pump_queue(self) -> None:
        self.turns.pump()

    def _turn_opened(self, cid: str, text: str) -> None:
        self.record_action("turn", text=text, context_id=cid, turn_end=self.turns.turn_end.value)
        self.apply(TurnOpened(cid, text))  # the transcript counts words against all of it
        assert self.speaker is not None
        self.speaker.open(cid)  # its place in the play order is the order turns open

    def _turn_started(self, cid: str, pattern: TurnEnd) -> None:
        # The pattern is the core's choice, not a frame: the model keeps it beside the turn.
        self._key_sent = self._key_sent or self.auth == AUTH_BODY
        changes = Changes(transcript=True)
        slot = self.session.slot_for(cid)
        if slot is not None:
            slot.turn_end = pattern.value
            changes.slots.add(slot.index)
        turn = self.session.transcript.turn(cid)
        if turn is not None:
            turn.turn_end = pattern.value
        self._notify(changes)

    def _audio_seen(self, cid: str) -> AudioSeen:
        slot = self.session.slot_for(cid)
        turn = self.session.transcript.turn(cid)
        aligned = turn.last_word_aligned if turn is not None and turn.aligned else None
        return AudioSeen(slot.metrics.audio_frames if slot is not None else 0, aligned)

    def _turn_ended(self, cid: str) -> None:
        if self.config.dialect is Dialect.ELEVENLABS_SINGLE:
            self.connection.expect_close()  # `{"text": ""}` ends the stream and the socket

    # ---- the connection's moments ----------------------------------------------------------

    def _on_received(self, raw: str | bytes) -> None:
        if self.recorder is not None:
            self.recorder.frame("received", raw)
        self.apply(FrameReceived(raw))

    def _on_sent(self, text: str) -> None:
        self._last_sent_at = self.clock()
        if self.recorder is not None:
            self.recorder.frame("sent", text)

    def _on_up(self) -> None:
        self._key_sent = False
        transport = self.connection.transport
        # Where it connected: the header has only the first URL (a restarted embedded server
        # listens on a new port); a replay connects its model there.
        self.record_action("connected", url=getattr(transport, "url", None) or redact_url(self.endpoint))
        self._pump_queue()

    def _may_keep_socket_alive(self) -> bool:
        # With the key in the body, the socket's first frame must carry it: no keep-alive first.
        return self.connected and (self.auth != AUTH_BODY or self._key_sent)

    def _on_down(self, code: int | None, reason: str, expected: bool, asked: bool | None = None) -> None:
        """The connection ended; `asked` (a replay passes what was recorded): the operator's F5."""
        self.turns.cancel_all()
        if asked is None:
            asked = self._reconnect_asked and expected
        self._reconnect_asked = False
        self.record_action("closed", code=code, reason=reason, expected=expected, asked=asked)
        self.apply(Disconnected(code, reason, expected=expected, asked=asked))
        if self.speaker is not None:
            self.speaker.end_all()  # the speaker follows the connection: no more audio will come

    def _error_in(self, raw: str | bytes) -> ErrorFrame | None:
        event = self.session.dialect.decode_server(raw)
        return event if isinstance(event, ErrorFrame) else None

    def _key_refused(self, words: str) -> None:
        words = redact_text(words, [self.config.api_key])
        self.apply(Notice(key_refused_message(self.config.provider, words), "error", banner=True))

    def _idle_after_stream_end(self) -> bool:
        # The single-context endpoint closes after each turn: connect again when one is typed.
        return self.config.dialect is Dialect.ELEVENLABS_SINGLE and not self.turns.queue

    def _headers(self) -> dict[str, str]:
        if self.config.provider == "local":
            return {}
        return auth_headers(self.config.dialect.value, self.config.api_key, self.auth)

    # ---- plumbing ---------------------------------------------------------------------------

    # The few below are the core's own plumbing (barge_in.py and turns.py use them); a UI calls
    # the commands above instead.

    def emit(self, text: str) -> bool:
        """Count a frame in the model and hand it to the writer (order preserved)."""
        if not self.connected:
            return False
        self.apply(FrameSent(text))
        return self.connection.send(text)

    def apply(self, event: object) -> None:
        """Fold an event into the session, act on what changed, tell the observers."""
        try:
            changes = self.session.apply(event)  # type: ignore[arg-type]
        except Exception as exc:  # a model bug must not take the console down
            changes = self.session.apply(
                Notice(f"internal error handling {type(event).__name__}: {exc!r}", "error", banner=True)
            )
        self._after(changes)

    def _after(self, changes: Changes) -> None:
        if self.speaker is not None:
            for cid in changes.opened:
                self.speaker.reopen(cid)  # a finished id used again is a new context: it plays
            if changes.play is not None:
                self.speaker.feed(changes.play.context_id, changes.play.data, changes.play.format)
            for cid in changes.end_audio:
                self.speaker.end(cid)
        for cid in changes.end_audio:
            self.turns.cancel(cid)  # its context is over (final, or refused by name): stop its words
        if changes.slots or changes.transcript:
            self.turns.audio_changed()  # a close waiting for audio looks again
        if changes.end_audio:
            self._pump_queue()  # a slot came free
        if changes.slots:
            self._arm_deadline_timer()
        self._notify(changes)

    def _notify(self, changes: Changes) -> None:
        for observer in list(self._observers):
            try:
                observer(changes)
            except Exception as exc:  # an observer's bug is reported, not fatal
                self.session.note(f"observer failed: {exc!r}", Changes(), level="error")

    def _arm_deadline_timer(self) -> None:
        if self._loop is None or self._closing:
            return
        # Inactivity deadlines, and the console's own wait for the final of closed contexts.
        deadlines = [s.due for s in self.session.slots if s.due is not None]
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
            self._deadline_timer = None
        if deadlines:
            delay = max(0.0, min(deadlines) - self.clock()) + 0.001
            self._deadline_timer = self._loop.call_later(delay, self.tick)

    def _on_progress(self, reports: list[SpeakerProgress]) -> None:
        assert self.speaker is not None
        for report in reports:
            if report.finished:
                self.speaker.finished.add(report.context_id)
            if self.heard_from_recording or self._closing:
                continue  # a replay folds what was heard live; after shutdown the recording has ended
            self._record_heard(report)
            self.apply(report)

    def _record_heard(self, report: SpeakerProgress, force: bool = False) -> None:
        """Record what the listener has heard of a context, as the speaker reports it: when it
        finished, and in steps of HEARD_STEP_S (a replay cannot ask its own speaker: at 8x it
        has played an eighth)."""
        if report.sample_rate <= 0:
            return
        cid, heard = report.context_id, report.heard_samples / report.sample_rate
        last = self._heard_recorded.get(cid)
        self._heard_unrecorded.pop(cid, None)
        if last == (heard, report.finished):
            return  # said already
        if not (force or report.finished or last is None or abs(heard - last[0]) >= HEARD_STEP_S):
            self._heard_unrecorded[cid] = report
            return
        self._heard_recorded[cid] = (heard, report.finished)
        self.record_action(
            "heard",
            context_id=cid,
            heard=heard,
            samples=report.heard_samples,
            rate=report.sample_rate,
            finished=report.finished,
        )

    def _record_unrecorded_heard(self) -> None:
        for report in list(self._heard_unrecorded.values()):
            self._record_heard(report, force=True)

    def _speaker_problem(self, message: str) -> None:
        self.apply(Notice(message, "warning"))

    def record_action(self, kind: str, **fields: object) -> None:
        if self.recorder is not None:
            self.recorder.action(kind, **fields)

    def _start_recorder(self) -> RecorderLike | None:
        if not self.config.record:
            return None
        recorder, problem = start_recorder(self._recorder_factory, self.config, redact_url(self.endpoint))
        if recorder is None:
            self.apply(Notice(f"not recording: {problem}", "warning", banner=True))
        else:
            self.apply(StatusUpdate({"recording": str(getattr(recorder, "path", "")) or None}))
        return recorder

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
