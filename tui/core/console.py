"""`Console`: the headless console. One connection, the session model, the speaker, the
recorder, the turn pacers and (for the local provider) the embedded server child.

Every command returns at once (they are plain methods on the loop thread; frames are handed
to one writer task, so their order on the wire is the order they were issued). Observers get
the `Changes` of every `Session.apply`, on the loop thread, and read `console.session`.

Decisions a UI can rely on:
- A turn typed while disconnected, or while five contexts are busy with the guard on, is
  queued (`queued_turns`) and starts when it can; nothing typed is dropped. A turn cut short
  by a lost connection stays in the transcript; it is not re-sent (that would speak it twice).
- Barge-in silences the speaker first, then sends close_context (Murf: clear) for every
  context that could still be heard, marks them interrupted, and drops their later audio.
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from tui.net.backoff import Backoff, sleep_until
from tui.net.transport import ConnectError, Transport, TransportClosed
from tui.protocol.dialect import Dialect
from tui.protocol.frames import DecodeError, load_object
from tui.protocol.murf import VoiceConfig
from tui.protocol.urls import auth_headers, redact_url
from tui.session import (
    DEFAULT_CONTEXT, DEFAULT_VOICE_SETTINGS, Changes, Connected, Connecting, Disconnected,
    FrameReceived, FrameSent, Interrupted, Notice, ReconnectScheduled, SendFailed, Session,
    SlotState, SpeakerProgress, StatusUpdate, Tick, TurnPacer, Wire, check_rate,
)

from .config import ConsoleConfig
from .embedded import START_TIMEOUT, EmbeddedServer, EmbeddedServerError
from .seams import RecorderLike, default_recorder, default_speaker, default_transport
from .speaker_link import ProgressHop, SpeakerLike, SpeakerLink

Clock = Callable[[], float]
Observer = Callable[[Changes], None]
TransportFactory = Callable[[str, dict[str, str]], Transport]
SpeakerFactory = Callable[[Callable[[str, int, int, bool], None]], SpeakerLike]


@dataclass(frozen=True)
class CommandResult:
    """What a command did: `ok`, and one line for the operator (shown when not ok)."""

    ok: bool
    message: str = ""


@dataclass
class _ActiveTurn:
    context_id: str
    pacer: TurnPacer
    wake: asyncio.Event
    unflushed: bool = False


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
        self.session = Session(config.dialect, config.audio_format, clock=clock,
                               inactivity_timeout=config.inactivity_timeout, guard=config.guard)
        self.session.status.rate = config.rate
        self.wire = Wire(config.dialect, voice_settings=DEFAULT_VOICE_SETTINGS,
                         voice_config=VoiceConfig(voice_id=config.voice))
        self.server: EmbeddedServer | None = None
        self.recorder: RecorderLike | None = None
        self.speaker: SpeakerLink | None = None
        self.endpoint = config.endpoint() if not config.embedded else ""
        self._speaker_factory = speaker_factory or (lambda cb: default_speaker(config, cb, clock))
        self._recorder_factory = recorder_factory or (lambda cfg, url: default_recorder(cfg, url, clock))
        self._transport_factory = transport_factory or (lambda url, headers: default_transport(config, url, headers))
        self._backoff = backoff or Backoff()
        self._observers: list[Observer] = []
        self._queue: deque[str] = deque()
        self._turns: dict[str, _ActiveTurn] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._transport: Transport | None = None
        self._outbox: asyncio.Queue[str] | None = None
        self._connected = asyncio.Event()
        self._reconnect_now = asyncio.Event()
        self._expect_close = False
        self._closing = False
        self._conn_task: asyncio.Task[None] | None = None
        self._deadline_timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

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
        self._apply(StatusUpdate({"provider": self.config.provider, "model": self.config.model,
                                  "voice": self.config.voice, "audio_backend": sp.backend_name,
                                  "silent_reason": sp.silent_reason}))
        if self.config.embedded:
            try:
                # Spawned on the loop thread on purpose: the child's parent-death signal is tied
                # to the thread that forked it.
                self.server = EmbeddedServer.spawn(self.config.local_voice)
                base = await asyncio.to_thread(self.server.wait_ready, server_timeout)
            except EmbeddedServerError as exc:
                self._apply(Notice(str(exc), "error", banner=True))
                return False
            self.endpoint = self.config.endpoint(base)
        self._apply(StatusUpdate({"url": redact_url(self.endpoint)}))
        self.recorder = self._start_recorder()
        if connect:
            self._conn_task = self._spawn(self._connection_loop())
        return True

    async def wait_connected(self, timeout: float = 10.0) -> bool:
        """Wait (bounded) until the connection is up; False on timeout."""
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
            return True
        except TimeoutError:
            return False

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def frames_written(self, timeout: float = 5.0) -> bool:
        """Wait (bounded) until every frame issued so far is on the socket; False on timeout."""
        outbox = self._outbox
        if outbox is None:
            return True
        try:
            await asyncio.wait_for(outbox.join(), timeout)
            return True
        except TimeoutError:
            return False

    async def shutdown(self) -> None:
        """Close the socket, stop pacers, speaker, recorder and the embedded server. Idempotent."""
        if self._closing:
            return
        self._closing = True
        self._reconnect_now.set()
        for turn in list(self._turns.values()):
            self._cancel_turn(turn)
        if self._transport is not None and self.connected:
            try:
                await asyncio.wait_for(self._transport.close(1000, "console closed"), 3.0)
            except (TimeoutError, OSError):
                pass
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
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)

    # ---- observers ------------------------------------------------------------------------

    def add_observer(self, observer: Observer) -> Callable[[], None]:
        """Call `observer(changes)` after every change (loop thread); returns a remover."""
        self._observers.append(observer)
        return lambda: self._observers.remove(observer) if observer in self._observers else None

    @property
    def queued_turns(self) -> list[str]:
        return list(self._queue)

    # ---- commands ---------------------------------------------------------------------------

    def submit_turn(self, text: str) -> CommandResult:
        """Stream `text` as a new turn in a new context, or queue it until that is possible."""
        text = text.strip()
        if not text:
            return CommandResult(False, "nothing to send: the turn is empty")
        self._queue.append(text)
        self._pump_queue()
        if self._queue and self._queue[-1] is text:
            why = "not connected" if not self.connected else "five contexts busy (guard on)"
            if self.config.dialect is Dialect.ELEVENLABS_SINGLE and self.connected:
                why = "the previous turn is still on the socket"
            if not self.connected:
                self._reconnect_now.set()
            return CommandResult(True, f"queued ({why}): it starts when it can")
        return CommandResult(True, "streaming")

    def barge_in(self) -> str | None:
        """Silence the speaker, abandon every context that could still be heard; the one that
        was playing (or the current turn's) is returned, None if there was nothing to stop."""
        assert self.speaker is not None, "start() first"
        pressed = self.clock()
        playing = self.speaker.call("barge_in")   # silence first: it is what the listener judges
        silenced_after = self.clock() - pressed
        targets = [s for s in self.session.slots if s.context_id is not None
                   and s.state is not SlotState.INTERRUPTED
                   and (s.occupied or s.context_id == playing or self._may_still_play(s.context_id))]
        if not targets:
            return playing
        current = [t.context_id for t in self._turns.values()]
        primary = playing if playing in [s.context_id for s in targets] else (
            current[-1] if current else targets[-1].context_id)
        for slot in targets:
            cid = slot.context_id
            assert cid is not None
            if cid in self._turns:
                self._cancel_turn(self._turns[cid])
            if cid != playing:
                self.speaker.call("stop", cid)
            if slot.occupied:
                frame = self.wire.barge_in(self._wire_cid(cid))
                if frame is None:
                    self._close_socket("barge-in: the single-context endpoint reconnects")
                elif self.config.dialect is Dialect.MURF or not slot.close_sent:
                    self._emit(frame)
            self._record_action("barge-in", context_id=cid)
            is_primary = cid == primary
            self._apply(Interrupted(cid, self.speaker.heard_seconds(cid),
                                    pressed if is_primary else None,
                                    silenced_after if is_primary else None))
        return primary

    def keep_alive(self) -> CommandResult:
        """Reset the inactivity clock of every open context (empty text for each)."""
        if not self.connected:
            return CommandResult(False, "not connected")
        slots = self.session.open_contexts()
        if not slots:
            return CommandResult(False, "no open context to keep alive")
        for slot in slots:
            assert slot.context_id is not None
            self._emit(self.wire.keep_alive(self._wire_cid(slot.context_id)))
            self._record_action("keep-alive", context_id=slot.context_id)
        return CommandResult(True, f"keep-alive sent to {len(slots)} context(s)")

    def flush_now(self) -> CommandResult:
        """Flush every open context: generate what the server has buffered."""
        if not self.wire.can_flush:
            return CommandResult(False, "Murf has no flush: text is generated at sentence ends or buffer limits")
        if not self.connected:
            return CommandResult(False, "not connected")
        slots = self.session.open_contexts()
        if not slots:
            return CommandResult(False, "no open context to flush")
        for slot in slots:
            assert slot.context_id is not None
            self._emit(self.wire.flush(self._wire_cid(slot.context_id)))
            if slot.context_id in self._turns:
                self._turns[slot.context_id].unflushed = False
        return CommandResult(True, f"flushed {len(slots)} context(s)")

    def close_context(self, context_id: str) -> CommandResult:
        """Close one open context by hand (close_context; Murf: end). It drains, then finals."""
        if not self.connected:
            return CommandResult(False, "not connected")
        slot = self.session.slot_for(context_id)
        if slot is None or not slot.occupied:
            return CommandResult(False, f"context {context_id} is not open (naming it would open a phantom "
                                        "context; send a raw frame if that is what you want)")
        if slot.close_sent:
            return CommandResult(False, f"context {context_id} is already closing")
        if context_id in self._turns:
            self._cancel_turn(self._turns[context_id])
        self._emit(self.wire.close(self._wire_cid(context_id)))
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
            return CommandResult(False, f"not sent: it would open a sixth context ({opened}); "
                                        "turn the guard off to see the server refuse it")
        self._emit(text)
        if isinstance(opened, DecodeError):
            return CommandResult(True, f"sent, but it does not fit the schema ({opened.reason})")
        return CommandResult(True, "sent" + (f": it opens context {opened}" if opened else ""))

    def set_guard(self, on: bool) -> None:
        """Turn the client-side guard against a sixth context on or off."""
        self._apply(StatusUpdate({"guard": bool(on)}))
        self._pump_queue()

    def set_rate(self, wps: float) -> CommandResult:
        """Words per second for turns, effective from the next word of turns in progress."""
        try:
            rate = check_rate(wps)
        except ValueError as exc:
            return CommandResult(False, str(exc))
        for turn in self._turns.values():
            turn.pacer.set_rate(rate)
            turn.wake.set()
        self._apply(StatusUpdate({"rate": rate}))
        return CommandResult(True, f"{rate:g} words per second")

    def reconnect(self) -> None:
        """Drop the connection (if any) and connect again now, without waiting for backoff."""
        self._backoff.reset()
        if self.connected:
            self._close_socket("reconnect requested")
        self._reconnect_now.set()

    def clear_log(self) -> None:
        self._notify(self.session.clear_log())

    def dismiss_banner(self) -> None:
        self._notify(self.session.dismiss_banner())

    def tick(self) -> None:
        """Check inactivity deadlines now (the console also does this itself when one is due)."""
        self._apply(Tick())

    def ingest(self, direction: str, data: str | bytes) -> None:
        """Feed a frame to the model as if it crossed the socket, without sending anything.

        For replay: recorded sent frames open and close slots as they did, received frames
        play through the speaker.
        """
        if direction == "sent":
            self._apply(FrameSent(data if isinstance(data, str) else data.decode("utf-8", "replace")))
        else:
            self._apply(FrameReceived(data))

    # ---- turns ------------------------------------------------------------------------------

    def _can_start_turn(self) -> bool:
        if not self.connected:
            return False
        if self.config.dialect is Dialect.ELEVENLABS_SINGLE:
            return not self._turns and self.session.occupied_count() == 0
        return not self.session.guard or self.session.can_open_context()

    def _pump_queue(self) -> None:
        while self._queue and self._can_start_turn():
            self._start_turn(self._queue.popleft())
        if self.session.status.queued_turns != len(self._queue):
            self._apply(StatusUpdate({"queued_turns": len(self._queue)}))

    def _start_turn(self, text: str) -> None:
        single = self.config.dialect is Dialect.ELEVENLABS_SINGLE
        cid = DEFAULT_CONTEXT if single else self.session.new_context_id()
        self._record_action("turn", text=text, context_id=cid)
        assert self.speaker is not None
        self.speaker.open(cid)
        for frame in self.wire.open(self._wire_cid(cid)):
            self._emit(frame)
        turn = _ActiveTurn(cid, TurnPacer(text, self.session.status.rate, self.clock()), asyncio.Event())
        self._turns[cid] = turn
        self._send_due(turn)   # the first word goes with the opening, not a loop turn later
        if turn.pacer.done:
            self._turns.pop(cid, None)
        else:
            self._spawn(self._run_turn(turn))

    def _send_due(self, turn: _ActiveTurn) -> None:
        cid = self._wire_cid(turn.context_id)
        for step in turn.pacer.take_due(self.clock()):
            if step.end:
                frames = self.wire.end_turn(cid, unflushed=turn.unflushed)
            else:
                frames = self.wire.text(cid, step.text, step.flush)
                turn.unflushed = not step.flush
            for frame in frames:
                self._emit(frame)

    async def _run_turn(self, turn: _ActiveTurn) -> None:
        try:
            while True:
                self._send_due(turn)
                due = turn.pacer.next_due
                if due is None:
                    return
                turn.wake.clear()
                await sleep_until(due, self.clock, turn.wake)
        finally:
            if self._turns.get(turn.context_id) is turn:
                del self._turns[turn.context_id]

    def _cancel_turn(self, turn: _ActiveTurn) -> None:
        turn.pacer.cancel()
        turn.wake.set()
        self._turns.pop(turn.context_id, None)

    def _wire_cid(self, cid: str) -> str | None:
        return None if cid == DEFAULT_CONTEXT else cid

    # ---- the connection ---------------------------------------------------------------------

    async def _connection_loop(self) -> None:
        while not self._closing:
            transport = self._transport_factory(self.endpoint, self._headers())
            self._apply(Connecting(transport.url, self._backoff.attempt + 1))
            try:
                await transport.connect()
            except ConnectError as exc:
                self._apply(Disconnected(None, "", error=str(exc)))
                if not await self._wait_before_retry():
                    return
                continue
            self._backoff.reset()
            await self._run_connection(transport)
            if self._closing:
                return
            if self._expect_close:
                if self.config.dialect is Dialect.ELEVENLABS_SINGLE and not self._queue:
                    self._reconnect_now.clear()
                    await self._reconnect_now.wait()   # the stream ended: connect for the next turn
                continue
            if not await self._wait_before_retry():
                return

    async def _run_connection(self, transport: Transport) -> None:
        self._transport, self._expect_close = transport, False
        outbox: asyncio.Queue[str] = asyncio.Queue()
        self._outbox = outbox
        writer = self._spawn(self._writer(transport, outbox))
        self._connected.set()
        self._apply(Connected(transport.url))
        self._pump_queue()
        try:
            async for raw in transport.receive():
                if self.recorder is not None:
                    self.recorder.frame("received", raw)
                self._apply(FrameReceived(raw))
                if self.config.dialect is Dialect.ELEVENLABS_SINGLE and self.session.occupied_count() == 0:
                    self._expect_close = True   # the stream's final: the server closes next
        finally:
            self._connected.clear()
            self._outbox = None
            writer.cancel()
            for turn in list(self._turns.values()):
                self._cancel_turn(turn)
            while not outbox.empty():
                self._apply(SendFailed(outbox.get_nowait(), "connection closed"))
        code, reason = transport.close_code, transport.close_reason
        self._record_action("closed", code=code, reason=reason)
        unfinished = [s.context_id for s in self.session.slots if s.occupied and s.context_id]
        self._apply(Disconnected(code, reason, expected=self._expect_close or self._closing))
        for cid in unfinished:
            assert self.speaker is not None
            self.speaker.end(cid)   # no more audio will come for them

    async def _writer(self, transport: Transport, outbox: asyncio.Queue[str]) -> None:
        while True:
            text = await outbox.get()
            try:
                await transport.send(text)
                if self.recorder is not None:
                    self.recorder.frame("sent", text)
            except TransportClosed as exc:
                self._apply(SendFailed(text, str(exc) or "connection closed"))
            finally:
                outbox.task_done()

    async def _wait_before_retry(self) -> bool:
        if self._closing:
            return False
        self._reconnect_now.clear()
        if not self.config.auto_reconnect:
            await self._reconnect_now.wait()
            return not self._closing
        deadline = self._backoff.deadline(self.clock)
        self._apply(ReconnectScheduled(deadline, self._backoff.attempt + 1))
        await sleep_until(deadline, self.clock, self._reconnect_now)
        return not self._closing

    def _close_socket(self, reason: str) -> None:
        if self._transport is not None:
            self._expect_close = True
            self._spawn(self._transport.close(1000, reason))

    def _headers(self) -> dict[str, str]:
        if self.config.provider == "local":
            return {}
        return auth_headers(self.config.dialect.value, self.config.api_key)

    # ---- plumbing ---------------------------------------------------------------------------

    def _emit(self, text: str) -> bool:
        """Count a frame in the model and hand it to the writer (order preserved)."""
        if self._outbox is None:
            return False
        self._apply(FrameSent(text))
        self._outbox.put_nowait(text)
        return True

    def _apply(self, event: object) -> None:
        try:
            changes = self.session.apply(event)  # type: ignore[arg-type]
        except Exception as exc:  # a model bug must not take the console down
            changes = self.session.apply(Notice(f"internal error handling {type(event).__name__}: {exc!r}",
                                                "error", banner=True))
        self._after(changes)

    def _after(self, changes: Changes) -> None:
        if self.speaker is not None:
            if changes.play is not None:
                self.speaker.feed(changes.play.context_id, changes.play.data, changes.play.format)
            for cid in changes.end_audio:
                self.speaker.end(cid)
        if changes.end_audio:
            self._pump_queue()   # a slot came free
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
        deadlines = [s.deadline for s in self.session.slots if s.countdown(self.clock()) is not None]
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
            self._apply(report)

    def _may_still_play(self, cid: str) -> bool:
        slot = self.session.slot_for(cid)
        return (slot is not None and cid not in (self.speaker.finished if self.speaker else set())
                and slot.metrics.audio_seconds > slot.metrics.heard_seconds)

    def _speaker_problem(self, message: str) -> None:
        self.session.apply(Notice(message, "warning"))

    def _record_action(self, kind: str, **fields: object) -> None:
        if self.recorder is not None:
            self.recorder.action(kind, **fields)

    def _start_recorder(self) -> RecorderLike | None:
        if not self.config.record:
            return None
        recorder, problem = None, None
        try:
            recorder = self._recorder_factory(self.config, redact_url(self.endpoint))
        except Exception as exc:  # RecordingError and anything else: the session goes on unrecorded
            problem = str(exc)
        if recorder is None:
            self._apply(Notice(f"not recording: {problem or 'recording unavailable'}", "warning", banner=True))
            return None
        self._apply(StatusUpdate({"recording": str(getattr(recorder, "path", "")) or None}))
        return recorder

    def _spawn(self, coro: object) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
