"""Holding the console's turns (a scenario paused in the console): nothing goes out while held,
and after release the words go on at their own pace, not all the overdue ones at once. The
turns run on a frozen clock; the hooks are where the console would send and record."""

from __future__ import annotations

import asyncio
import json

from tests.fixtures.frozen_clock import FrozenClock
from tui.core.turn_end import AudioSeen
from tui.core.turns import TurnHooks, Turns
from tui.protocol.dialect import Dialect
from tui.session import Wire
from tui.session.pacer import TurnPacer


def words(frames: list[str]) -> list[str]:
    return [json.loads(f).get("text", "").strip() for f in frames if json.loads(f).get("text", "").strip()]


def turns_on(clock: FrozenClock, sent: list[str]) -> Turns:
    def emit(frame: str) -> bool:
        sent.append(frame)
        return True

    hooks = TurnHooks(
        new_context_id=lambda: "turn_1",
        can_start=lambda: True,
        emit=emit,
        opened=lambda cid, text: None,
        queue_changed=lambda n: None,
        spawn=asyncio.ensure_future,
        ended=lambda cid: None,
        started=lambda cid, pattern: None,
        audio_seen=lambda cid: AudioSeen(0, None),
    )
    return Turns(Wire(Dialect.ELEVENLABS), hooks, clock=clock, rate=10.0)


async def settle() -> None:
    await asyncio.sleep(0.15)  # the pacer task's real sleeps (due - now on the frozen clock) run out


async def test_a_held_turn_sends_nothing_then_goes_on_at_its_pace_from_where_it_stood():
    clock, sent = FrozenClock(), []
    turns = turns_on(clock, sent)
    turns.submit("one two three four five six")
    assert words(sent) == ["one"]  # the opening and the first word go at once
    turns.hold()
    clock.advance(5.0)  # fifty words' worth of time
    await settle()
    assert words(sent) == ["one"] and turns.streaming
    turns.release()
    await settle()
    assert words(sent) == ["one"]  # not a burst: "two" is due one word's time after the hold
    clock.advance(0.1)
    await settle()
    assert words(sent) == ["one", "two"]
    clock.advance(0.1)
    await settle()
    assert words(sent) == ["one", "two", "three"]
    clock.advance(1.0)
    await settle()
    assert words(sent) == ["one", "two", "three", "four", "five", "six"] and not turns.streaming
    assert json.loads(sent[-1]).get("close_context") is True  # its end went out after release too


async def test_a_turn_cancelled_while_held_sends_nothing_after_release():
    clock, sent = FrozenClock(), []
    turns = turns_on(clock, sent)
    turns.submit("one two three")
    turns.hold()
    turns.cancel("turn_1")
    turns.release()
    clock.advance(1.0)
    await settle()
    assert words(sent) == ["one"] and not turns.active


def test_postpone_moves_the_words_still_to_send():
    pacer = TurnPacer("one two three", 2.0, start=0.0)
    assert [s.text for s in pacer.take_due(0.0)] == ["one "]
    pacer.postpone(10.0)
    assert pacer.take_due(10.4) == [] and pacer.next_due == 10.5
    assert [s.text for s in pacer.take_due(10.5)] == ["two "]
