"""The session model against the real local server (tone voice) on loopback, in the dialects
that send word timestamps and markers: every word of a turn gets its time from the dialect's
own timestamps (Cartesia's from the context's first audio, Inworld's from each synthesis),
timings-only frames play nothing, and the markers reach the slot and the log by name."""

from __future__ import annotations

import pytest

from tests.test_core_console import console_on, shutdown_after, wait_for
from tui.session import SlotState

consoles = shutdown_after
TURN = "Hello there. How are you today? Fine thanks."


def markers(console, cid: str) -> list[str]:
    return [e.marker for e in console.session.log.entries(cid) if e.direction == "received" and e.marker]


@pytest.mark.parametrize("dialect", ["cartesia", "inworld"])
async def test_every_word_of_a_turn_is_timed_in_order_across_its_flushes(local_server, tmp_path, consoles, dialect):
    console = await console_on(local_server, tmp_path, consoles, dialect=dialect, output_format="pcm_16000")
    assert console.submit_turn(TURN).ok
    await wait_for(lambda: (s := console.session.slot_for("turn_1")) is not None and s.state is SlotState.FINAL)
    slot = console.session.slot_for("turn_1")
    turn = console.session.transcript.turn("turn_1")
    words = turn.words
    assert [w.text for w in words] == TURN.split()
    assert all(w.start is not None for w in words), words
    starts = [w.start for w in words]
    # Three sentences, three flushes: Inworld's times restart at each synthesis, and placed after
    # the audio before its flushCompleted they still rise; Cartesia's rise on their own.
    assert starts == sorted(starts) and len(set(starts)) == len(starts), starts
    assert words[-1].end <= slot.metrics.audio_seconds + 0.05
    assert slot.metrics.markers.get("flush", 0) >= 3
    assert any(marker.startswith("flush done") for marker in markers(console, "turn_1"))
    # Heard half the audio: about half the words were spoken (a tone voice: 60 ms a character).
    half = turn.words_spoken(slot.metrics.audio_seconds / 2)
    assert 0 < half < len(words)


async def test_inworld_names_the_context_it_created(local_server, tmp_path, consoles):
    console = await console_on(local_server, tmp_path, consoles, dialect="inworld", output_format="pcm_16000")
    assert console.submit_turn("Hello.").ok
    await wait_for(lambda: (s := console.session.slot_for("turn_1")) is not None and s.state is SlotState.FINAL)
    slot = console.session.slot_for("turn_1")
    assert slot.metrics.markers.get("ready") == 1
    assert markers(console, "turn_1")[0] == "context created"
