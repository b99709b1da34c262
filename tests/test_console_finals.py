"""What the console shows when the server's final is wrong (PROTOCOL.md §5), through the real
Console on the real local server (tone voice) with one fault forced: a final with no audio after
the flush→close race or at an exhausted quota, and a final that never comes. Each session's
recording replays to the same model. The rehearsal itself is tests/test_fault_rehearsal.py."""

from __future__ import annotations

import asyncio

from tests.model_snapshot import snapshot
from tests.test_core_console import shutdown_after, wait_for  # noqa: F401 (a fixture)
from tests.test_fault_rehearsal import LONG_TURN, ONE_SENTENCE, fault_lines, rehearse  # noqa: F401
from tests.test_replay_equivalence import assert_same, replayed
from tui.core import Console, resolve_config
from tui.recording import read_recording
from tui.session import SlotState
from tui.session.finals import NO_AUDIO, final_grace

WARNING = f"context turn_1: {NO_AUDIO}"


def warnings(console: Console) -> list[str]:
    return [e.summary for e in console.session.log.entries() if e.direction == "note" and e.level == "warning"]


def sent_for(console: Console, cid: str) -> int:
    return sum(e.direction == "sent" for e in console.session.log.entries(cid))


async def replays_the_same(console: Console, speeds=(1, 8)) -> dict:
    """Shut the live console down, replay its recording at `speeds`; the live snapshot."""
    await console.shutdown()
    expected = snapshot(console.session)
    recording = read_recording(console.recorder.path)
    assert recording.problem is None
    for speed in speeds:
        assert_same(expected, snapshot((await replayed(recording, speed)).session), f"replay at x{speed}")
    return expected


async def test_race_empty_a_final_with_no_audio_is_a_warning_and_marks_the_slot_and_the_turn(rehearse, caplog):
    console = await rehearse("race_empty=1", ONE_SENTENCE)
    await wait_for(lambda: console.session.slots[0].state is SlotState.FINAL)
    slot, turn = console.session.slots[0], console.session.transcript.turn("turn_1")
    assert slot.no_audio_final and slot.metrics.audio_bytes == 0 and not slot.occupied
    assert warnings(console) == [WARNING]
    assert turn.summary == NO_AUDIO and not turn.stopped and turn.unsent_words == []
    assert fault_lines(caplog, "race")
    expected = await replays_the_same(console)
    assert ("warning", "turn_1", WARNING) in expected["notes"]


async def test_quota_a_final_mid_turn_stops_the_words_and_the_transcript_says_why(rehearse, caplog):
    console = await rehearse("quota", LONG_TURN)
    await wait_for(lambda: console.session.slots[0].state is SlotState.FINAL)
    slot, turn = console.session.slots[0], console.session.transcript.turn("turn_1")
    assert slot.no_audio_final and slot.metrics.closed_at is None
    sent = sent_for(console, "turn_1")
    await asyncio.sleep(0.3)  # six more words' time at 20 words/s
    assert sent_for(console, "turn_1") == sent  # the turn's words stopped at its final
    assert turn.stopped and turn.cut_short and len(turn.unsent_words) > 0
    words_sent = len(turn.text.split())
    assert turn.summary == f"{NO_AUDIO} · {words_sent} of {len(LONG_TURN.split())} words sent, the rest stopped"
    assert warnings(console) == [f"{WARNING} It came before the turn was over: the rest of its words are not sent."]
    assert not any(s.phantom or s.occupied for s in console.session.slots)
    assert fault_lines(caplog, "quota")
    await replays_the_same(console)


async def test_race_silent_the_released_slot_replays_released(
    rehearse,
    caplog,
    frozen_clock,
    shutdown_after,  # noqa: F811
    tmp_path,
):
    async def frozen_recording_console(url: str) -> Console:  # recorded on the frozen clock
        console = Console(
            resolve_config(provider="local", url=url, audio="none", record_dir=tmp_path, rate=20, inactivity_timeout=2),
            clock=frozen_clock,
        )
        shutdown_after(console)
        assert await console.start() and await console.wait_connected(10)
        return console

    console = await rehearse("race_silent=1", ONE_SENTENCE, console=frozen_recording_console)
    await wait_for(lambda: fault_lines(caplog, "race") or (frozen_clock.advance(0.05) and False))
    slot = console.session.slot_for("turn_1")
    grace = final_grace(console.config.dialect, 2)
    assert slot.waiting_for_final and 0 < slot.countdown(frozen_clock()) <= grace
    frozen_clock.advance(grace)
    console.tick()
    assert not slot.occupied and slot.error == f"no final: released after {grace:g} s"
    assert "may still count it" in warnings(console)[-1]
    # The recording stamps a frame when the writer sent it, a step of this clock after the model
    # counted it: the next turn comes a second later, clear of that difference.
    frozen_clock.advance(1.0)
    assert console.submit_turn("Saturday works.").ok  # the freed slot takes the next turn
    await wait_for(lambda: console.session.slot_for("turn_2") is not None)
    expected = await replays_the_same(console, speeds=(8, 32))
    assert expected["slots"][slot.index]["error"] == f"no final: released after {grace:g} s"
