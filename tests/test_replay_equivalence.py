"""Replay equivalence: a recording replayed at any speed ends in the same model as the session
that wrote it (slot states, transcript with interruptions and words spoken, per-slot counters,
late frames, error notes). See tests/model_snapshot.py for what is compared and what is not.

The generated session is recorded now by the real console on the real local server (tone
voice, guard off): a barge-in, five rapid barge-ins and a sixth context refused with 1008, a
reconnect, then a turn played out and one more barge-in. The curated demos in recordings/ have
no live model beside them, so each is replayed at every speed against its replay on a stepped
clock (exact, no wall time) and checked for what its README says happened.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from tui.core import Console, resolve_config
from tui.core.replay import drive_console
from tui.net import Backoff
from tui.recording import HEARD, read_recording, records_heard
from tui.replay import ReplayTransport, session_options

from .fixtures.frozen_clock import FrozenClock
from .model_snapshot import differences, snapshot
from .test_core_console import RAMBLING_TURN, wait_for

RECORDINGS = Path(__file__).resolve().parent.parent / "recordings"
DEMOS = sorted(RECORDINGS.glob("*.jsonl"))
SPEEDS = (0.5, 1, 2, 8, 32)
STEPPED = (0.5, 1, 2)  # on a clock the test moves: 0.5x of an 8 s recording in a fraction of that
STEP_S = 0.05


async def replayed(recording, speed: float) -> Console:
    """The console's model after replaying `recording` at `speed` to the end (silent speaker).

    Slow speeds run on a stepped clock (50 ms of replay wall time per loop turn), fast ones on the
    real clock, as `switchboard replay --speed 8` does."""
    stepped = FrozenClock() if speed in STEPPED else None
    transport = ReplayTransport(recording, speed=speed, clock=stepped or time.monotonic)
    config = resolve_config(provider="local", audio="none", record=False, **session_options(recording))
    console = Console(config, clock=transport.clock)
    try:
        assert await console.start(connect=False)
        drive = asyncio.ensure_future(drive_console(transport, console))
        end = time.monotonic() + 30
        while not drive.done():
            assert time.monotonic() < end, "replay did not finish"
            if stepped is not None:
                stepped.advance(STEP_S)
                transport.wake()
            await asyncio.sleep(0.002 if stepped is not None else 0.02)
        drive.result()
    finally:
        await console.shutdown()
    return console


def assert_same(expected: dict, actual: dict, what: str) -> None:
    diff = differences(expected, actual)
    assert not diff, f"{what}:\n" + "\n".join(diff[:20])


@pytest.mark.parametrize("demo", DEMOS, ids=[p.stem for p in DEMOS])
async def test_every_recording_replays_to_the_same_model_at_every_speed(demo):
    recording = read_recording(demo)
    assert recording.problem is None
    reference = snapshot((await replayed(recording, 1)).session)
    for speed in SPEEDS:
        assert_same(reference, snapshot((await replayed(recording, speed)).session), f"{demo.name} at x{speed}")
    interrupted = {t["context_id"] for t in reference["transcript"] if t["interrupted"]}
    assert interrupted == {a.fields["context_id"] for a in recording.barge_ins}  # what was cut, only that
    if demo.stem == "demo-flight-booking":
        assert interrupted == {"turn_2"}
    if demo.stem == "demo-rapid-barge-in":
        assert reference["status"]["close_code"] == 1008
        notes = " | ".join(n[2] for n in reference["notes"])
        assert "no slot holds it" not in notes and "inactivity timeout" not in notes, notes


async def record_a_session_with_a_1008_a_reconnect_and_barge_ins(start_local_server, tmp_path) -> Console:
    server = await start_local_server("tone", generation_rtf=1.0, workers=6)  # pacing sleeps, not CPU
    config = resolve_config(
        provider="local",
        url=server.url,
        output_format="pcm_16000",
        audio="none",
        record_dir=tmp_path,
        rate=50,
        guard=False,
    )
    live = Console(config, backoff=Backoff(initial=0.05, factor=2, cap=0.2, jitter=0))
    try:
        assert await live.start() and await live.wait_connected(10)
        live.submit_turn("Sure, when would you like to travel?")
        await wait_for(lambda: "turn_1" in live.speaker.finished)  # heard to the end
        for n in range(2, 7):  # five contexts cut while still generating
            cid = f"turn_{n}"
            live.submit_turn(RAMBLING_TURN)
            await wait_for(
                lambda: live.session.slot_for(cid) is not None and live.session.slot_for(cid).metrics.audio_frames > 0
            )
            assert live.barge_in() == cid
        live.submit_turn(RAMBLING_TURN)  # the sixth: refused, 1008
        await wait_for(lambda: live.session.status.close_code == 1008)
        await wait_for(lambda: live.connected)  # reconnected on its own
        live.submit_turn("Saturday works.")
        cid = "turn_8"
        await wait_for(lambda: cid in live.speaker.finished)  # heard to the end
        live.submit_turn("Do you want to fly direct, or with a stopover somewhere on the way?")
        await wait_for(
            lambda: (
                live.session.slot_for("turn_9") is not None and live.session.slot_for("turn_9").metrics.audio_frames > 0
            )
        )
        await asyncio.sleep(0.3)  # some of it heard
        assert live.barge_in() == "turn_9"
        await wait_for(lambda: live.session.occupied_count() == 0)
        assert await live.frames_written()
    finally:
        await live.shutdown()
    return live


async def test_a_session_with_a_1008_a_reconnect_and_barge_ins_replays_as_it_was_lived(start_local_server, tmp_path):
    live = await record_a_session_with_a_1008_a_reconnect_and_barge_ins(start_local_server, tmp_path)
    expected = snapshot(live.session)
    assert {t["context_id"] for t in expected["transcript"] if t["interrupted"]} == {
        "turn_2",
        "turn_3",
        "turn_4",
        "turn_5",
        "turn_6",
        "turn_9",
    }
    recording = read_recording(live.recorder.path)
    assert recording.problem is None
    assert [a.fields.get("code") for a in recording.actions("closed")][:1] == [1008]
    heard_whole = [a for a in recording.actions(HEARD) if a.fields["context_id"] == "turn_1" and a.fields["finished"]]
    assert heard_whole and heard_whole[-1].fields["heard"] == live.session.transcript.turn("turn_1").heard_seconds > 0
    for speed in SPEEDS:
        assert_same(expected, snapshot((await replayed(recording, speed)).session), f"replay at x{speed}")


@pytest.mark.parametrize("name", ["demo-flight-booking", "demo-rapid-barge-in"])
async def test_a_recording_without_heard_actions_replays_the_same_estimate_at_every_speed(tmp_path, name):
    # Recordings made before what had been heard was recorded (no heard actions, barge-ins
    # without `heard`): it is estimated on the recording's clock, never from this replay's
    # speaker or the wall, so every speed ends the same.
    old = tmp_path / "old.jsonl"
    header, *lines = (RECORDINGS / f"{name}.jsonl").read_text().splitlines()
    header = json.loads(header)
    header.pop("extra", None)  # no mark that heard actions were recorded
    kept = []
    for line in lines:
        obj = json.loads(line)
        if obj.get("action") == "barge-in":
            obj.pop("heard", None)
        if obj.get("action") != "heard":
            kept.append(json.dumps(obj))
    old.write_text("\n".join([json.dumps(header), *kept]) + "\n")
    recording = read_recording(old)
    assert recording.problem is None and not recording.actions(HEARD) and not records_heard(recording.header)
    reference = snapshot((await replayed(recording, 1)).session)
    assert [t["heard_seconds"] for t in reference["transcript"]][0] > 0
    for speed in (8, 32):
        assert_same(reference, snapshot((await replayed(recording, speed)).session), f"x{speed}")
