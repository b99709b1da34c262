"""Finals the server gets wrong (PROTOCOL.md §5), and what the console concludes on its own.

- **A final that never comes.** The flush→close race can end with no `isFinal` at all, and a
  final after a Murf `clear` is undocumented. A slot counts until its final, so each such context
  would hold a slot for good and, with the guard on, five of them block every turn silently.
  The console keeps its own close→final deadline (`final_grace`): when it passes, the slot is
  released and labelled "no final: released after N s", the frame log warns, the speaker context
  ends. The server may still count that context until it finishes; a final that comes after all
  is folded in (a note, the slot's label), it never reopens anything.
- **A final with no audio** for a context that had words sent and was not cut by the operator:
  the race's other outcome, or an exhausted quota (which answers at once, mid-turn, with no
  error). It looks like a normal final, so the log warns and the slot and the transcript turn are
  marked; when it came before the turn was over, the transcript says the rest was not sent.
"""

from __future__ import annotations

from typing import Protocol

from tui.clock import Clock
from tui.protocol.dialect import Dialect

from .changes import Changes
from .framelog import Level
from .slot import ContextSlot, SlotState
from .transcript import Transcript


class FinalsHost(Protocol):
    """What the finals rules read and change of a session (`Session` is one): its slots, the
    contexts released with no final, the transcript, and its notes. Named here so this module
    does not import the model that calls it."""

    @property
    def dialect(self) -> Dialect: ...
    @property
    def inactivity_timeout(self) -> float: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def slots(self) -> list[ContextSlot]: ...
    @property
    def released(self) -> dict[str, float]: ...
    @property
    def transcript(self) -> Transcript: ...

    def note(self, text: str, changes: Changes, *, level: Level = ..., context_id: str | None = ...) -> None: ...


# Beyond the server's inactivity timeout: generating the last flushed text and sending its audio.
ELEVENLABS_MARGIN = 10.0
MURF_END_GRACE = 30.0
MURF_CLEAR_GRACE = 5.0
# The dialects that say their frames as steps (tui.protocol.steps): a close is Murf end's, a
# cancel Murf clear's.
STEP_CLOSE_GRACE = MURF_END_GRACE
CANCEL_GRACE = MURF_CLEAR_GRACE

NO_AUDIO = "final with no audio: flush→close race or exhausted quota?"


def final_grace(dialect: Dialect, inactivity_timeout: float, *, clear: bool = False, stepped: bool = False) -> float:
    """Seconds the console waits for a context's final after closing it (or after the server's
    inactivity timeout closed it), before it releases the slot on its own.

    - ElevenLabs (both routes): `inactivity_timeout` + 10 s. A closed context receives nothing,
      so by its inactivity timeout the server has finished it or dropped it; 10 s more covers
      generating what was flushed last (a few hundred characters at most; the service generates
      faster than real time) and the audio on its way. With the default timeout that is 30 s.
    - Murf `end`: 30 s. Murf has no per-context timeout to lean on (its socket's is 3 minutes,
      far too long to hold one of an account's few active contexts: 2 outside us-east); what
      remains at an end is the last sentence, generated in well under that.
    - Murf `clear`: 5 s. A clear cancels synthesis not started; synthesis already running plays
      out (a sentence's audio, sent faster than real time) and the client drops it. Whether a
      final follows at all is undocumented ("a client must not wait forever"), so the wait is short.
    - Inworld, Cartesia, Text-to-Dialogue (`stepped`: the context was closed by a ClientStep):
      a close 30 s, as Murf end: what is buffered is generated (faster than real time), then the
      final; their idle clocks (Inworld's 10 minutes per session, Cartesia's 5 per socket) are far
      too long to lean on. A cancel (`clear`: Cartesia `cancel`, Inworld `cancel_context`) 5 s,
      as Murf clear: what is generating may still play out, nothing more is owed, and whether a
      final follows a cancel is unverified (PROTOCOL-DIALECTS.md §2.4): the console chooses not
      to wait long.
    """
    if dialect is Dialect.MURF:
        return MURF_CLEAR_GRACE if clear else MURF_END_GRACE
    if clear:
        return CANCEL_GRACE
    if stepped:
        return STEP_CLOSE_GRACE
    return inactivity_timeout + ELEVENLABS_MARGIN


def await_final(
    session: FinalsHost, slot: ContextSlot, since: float, *, clear: bool = False, stepped: bool = False
) -> None:
    """Start the console's wait for this context's final, from `since` (the close, or the
    moment the server timed it out: times from frames, so a replay waits the same)."""
    if clear:
        slot.cleared = True
    wait = final_grace(session.dialect, session.inactivity_timeout, clear=clear, stepped=stepped)
    slot.await_final(since + wait, wait)


def release_overdue(session: FinalsHost, now: float, changes: Changes) -> None:
    """Release every slot whose final is overdue on the console's own deadline."""
    for slot in session.slots:
        if not slot.waiting_for_final or slot.final_due is None or slot.final_due > now:
            continue
        cid = slot.context_id
        assert cid is not None  # a slot waiting for its final has a context
        slot.give_up()
        session.released[cid] = now
        changes.slots.add(slot.index)
        changes.end_audio.add(cid)
        session.note(
            f"context {cid}: no final {slot.released_after:g} s after its close: the console releases "
            "its slot (the server may still count it until it finishes; a final that comes later "
            "is folded in)",
            changes,
            level="warning",
            context_id=cid,
        )


def fold_late_final(session: FinalsHost, slot: ContextSlot | None, cid: str, changes: Changes) -> bool:
    """A final for a context the console released without one: the server has let it go too.
    True if `cid` was such a context (the final is folded, nothing reopens)."""
    released_at = session.released.pop(cid, None)
    if released_at is None:
        return False
    now = session.clock()
    if slot is not None and slot.released_after is not None:
        slot.metrics.final_at = now
        slot.error = f"no final: released after {slot.released_after:g} s; its final came after all"
        changes.slots.add(slot.index)
    session.note(
        f"context {cid}: its final came after all, {now - released_at:.1f} s after the console "
        "released its slot: the server no longer counts it either",
        changes,
        context_id=cid,
    )
    return True


def check_audio(session: FinalsHost, slot: ContextSlot, cid: str, changes: Changes) -> None:
    """At a final (before the slot takes it): warn and mark when no audio came for words sent."""
    m = slot.metrics
    if m.audio_bytes or m.first_text_at is None or slot.cleared or slot.state is SlotState.INTERRUPTED:
        return
    slot.no_audio_final = True
    mid_turn = m.closed_at is None
    turn = session.transcript.turn(cid)
    if turn is not None:
        turn.note = NO_AUDIO
        turn.stopped = mid_turn
        changes.transcript = True
    text = f"context {cid}: {NO_AUDIO}"
    if mid_turn:
        text += " It came before the turn was over: the rest of its words are not sent."
    session.note(text, changes, level="warning", context_id=cid)
