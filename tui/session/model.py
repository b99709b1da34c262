"""`Session`: the Textual-free model of one conversation. `apply(event)` in, `Changes` out.

It holds its state as `SessionState` (tui.session.state) and reads client frames as `Outbound`
(tui.session.outbound); server frames go through tui.session.inbound. It never raises on
anything the server sends.
"""

from __future__ import annotations

from . import finals, inbound
from .changes import Changes
from .events import (
    Connected,
    Connecting,
    Disconnected,
    FrameReceived,
    FrameSent,
    Interrupted,
    Notice,
    ReconnectScheduled,
    SendFailed,
    SessionEvent,
    SpeakerProgress,
    StatusUpdate,
    Tick,
    TurnOpened,
    TurnQueued,
)
from .outbound import MAX_UNCAPPED_SLOTS, Outbound
from .slot import SlotState
from .state import MURF_SOCKET_TIMEOUT, SOCKET_TIMEOUTS
from .status import BargeInTiming, ConnectionState

__all__ = ["MAX_UNCAPPED_SLOTS", "MURF_SOCKET_TIMEOUT", "SOCKET_TIMEOUTS", "Session"]


class Session(Outbound):
    """The context slots (one per context the dialect allows; growing where it sets no cap), the
    frame log, the transcript and the status strip of one connection.

    Call `apply` on one thread only (the asyncio loop's). Read the attributes freely after it.
    """

    # ---- apply -----------------------------------------------------------------------------

    def apply(self, event: SessionEvent) -> Changes:
        """Fold one event into the model and say what changed."""
        changes = Changes()
        match event:
            case FrameSent(text=text):
                self._on_sent(text, changes)
            case FrameReceived(raw=raw):
                # A deadline that has passed has passed, whether or not the console's timer has
                # fired yet: the server's final for a timed-out context can arrive first.
                self._on_tick(changes)
                inbound.on_received(self, raw, changes)
            case SendFailed(text=text, reason=reason):
                self.note(f"not sent ({reason}): {self.log.summarize(text)}", changes, level="warning")
            case SpeakerProgress():
                self._on_progress(event, changes)
            case Interrupted():
                self._on_interrupted(event, changes)
            case TurnQueued(text=text):
                self.transcript.queue(text)
                changes.transcript = True
            case TurnOpened(context_id=cid, text=text):
                self.adopt_turn(cid)
                self.transcript.open(cid, text, unspoken=self.speaker_label_words())
                changes.transcript = True
            case Tick():
                self._on_tick(changes)
            case Connecting(url=url, attempt=attempt):
                self._set_status(
                    changes, connection=ConnectionState.CONNECTING, url=url, attempt=attempt, reconnect_at=None
                )
                self.note(f"connecting to {url}" + (f" (attempt {attempt})" if attempt > 1 else ""), changes)
            case Connected(url=url):
                self._set_status(
                    changes,
                    connection=ConnectionState.CONNECTED,
                    url=url,
                    close_code=None,
                    close_reason="",
                    reconnect_at=None,
                    overflow_contexts=[],
                )
                self.note(f"connected to {url}", changes)
            case Disconnected():
                inbound.on_disconnected(self, event, changes)
            case ReconnectScheduled(at=at, attempt=attempt):
                self._set_status(changes, connection=ConnectionState.WAITING, reconnect_at=at, attempt=attempt)
                self.note(f"reconnecting in {max(0.0, at - self.clock()):.1f} s (attempt {attempt})", changes)
            case Notice(text=text, level=level, banner=banner, context_id=cid):
                self.note(text, changes, level=level, context_id=cid)
                if banner:
                    self.show_banner(text, changes, level=level)
            case StatusUpdate(fields=fields):
                self._set_status(changes, **fields)
        return changes

    def dismiss_banner(self) -> Changes:
        self.banner = None
        return Changes(status=True)

    def clear_log(self) -> Changes:
        self.log.clear()
        return Changes(log=True)

    # ---- time, speaker, barge-in -----------------------------------------------------------

    def _on_tick(self, changes: Changes) -> None:
        now = self.clock()
        finals.release_overdue(self, now, changes)
        if self.socket_timeout is not None:
            return  # a socket timeout arrives as a close from the server
        for slot in self.slots:
            if slot.countdown(now) == 0.0 and slot.move(SlotState.TIMED_OUT):
                # The server closes it at its deadline, not when this tick ran (a replay's ticks
                # run late): the wait for its final starts there.
                finals.await_final(self, slot, slot.deadline if slot.deadline is not None else now)
                changes.slots.add(slot.index)
                self.note(
                    f"context {slot.context_id}: nothing sent for {self.inactivity_timeout:g} s, "
                    "the server closes it (inactivity timeout) and drains it",
                    changes,
                    level="warning",
                    context_id=slot.context_id,
                )

    def _on_progress(self, event: SpeakerProgress, changes: Changes) -> None:
        if event.sample_rate <= 0:
            return
        heard = event.heard_samples / event.sample_rate
        slot = self.slot_for(event.context_id)
        if slot is not None:
            slot.metrics.heard_seconds = heard
            changes.slots.add(slot.index)
        turn = self.transcript.turn(event.context_id)
        if turn is not None:
            turn.heard_seconds = heard
            changes.transcript = True

    def _on_interrupted(self, event: Interrupted, changes: Changes) -> None:
        slot = self.slot_for(event.context_id)
        # What the listener heard decides (slot.interrupt): a turn heard to its end is not cut.
        cut = slot is None or slot.interrupt(event.heard_seconds)
        if slot is not None:
            changes.slots.add(slot.index)
        turn = self.transcript.turn(event.context_id)
        if turn is not None and cut:
            turn.interrupted = True
            if event.heard_seconds is not None:
                turn.heard_seconds = turn.heard_at_interrupt = event.heard_seconds
            changes.transcript = True
        if event.pressed_at is not None:
            now = self.clock()
            close_after = now - event.pressed_at if slot is not None and slot.close_sent else None
            self.status.last_barge_in = BargeInTiming(
                event.context_id, event.pressed_at, event.silenced_after, close_after, was_playing=event.was_playing
            )
            changes.status = True
        if cut:
            self.note(
                f"barge-in: context {event.context_id} interrupted; its later audio is dropped",
                changes,
                context_id=event.context_id,
            )
        else:
            self.note(
                f"barge-in: context {event.context_id} had been heard to its end; nothing cut",
                changes,
                context_id=event.context_id,
            )
