"""Record → replay: a session recorded by the real console against the real local server, then
replayed offline into a fresh console, shows the same slot states and hands the speaker the
same audio bytes, context by context."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from pathlib import Path

from tui.audio import make_speaker
from tui.core import Console, resolve_config
from tui.core.replay import drive_console
from tui.recording import BARGE_IN, read_recording
from tui.replay import ReplayTransport, drive, session_options
from tui.session import SlotState

from .test_core_console import LONG_TURN, wait_for


class SpeakerSpy:
    """The real (silent-backend) speaker, noting every byte the console feeds it."""

    def __init__(self, on_progress) -> None:
        self.speaker = make_speaker("none", on_progress=on_progress, clock=time.monotonic)
        self.fed: dict[str, bytearray] = defaultdict(bytearray)

    def feed(self, context_id, data, fmt):
        self.fed[context_id] += data
        return self.speaker.feed(context_id, data, fmt)

    def __getattr__(self, name):
        return getattr(self.speaker, name)


class Watch:
    """Each context's states in the order the console showed them (repeats folded)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.states: dict[str, list[str]] = defaultdict(list)
        console.add_observer(self.on_changes)

    def on_changes(self, changes) -> None:
        for index in changes.slots:
            slot = self.console.session.slots[index]
            if slot.context_id is not None:
                seen = self.states[slot.context_id]
                if not seen or seen[-1] != slot.state.value:
                    seen.append(slot.state.value)

    def settled(self) -> dict[str, list[str]]:
        # Live, a barge-in counts its close_context a moment before marking the slot interrupted;
        # replayed, the recorded close comes just after. Both end interrupted: fold the instant.
        return {
            cid: [s for i, s in enumerate(seen) if not (s == "closing" and seen[i + 1 : i + 2] == ["interrupted"])]
            for cid, seen in self.states.items()
        }


async def replay(recording, speed: float, **console_options) -> tuple[ReplayTransport, Console, Watch]:
    """Play the recording into a fresh console, as `switchboard replay` does, to the end."""
    transport = ReplayTransport(recording, speed=speed)
    await transport.connect()
    config = resolve_config(provider="local", audio="none", record=False, **session_options(recording))
    console = Console(config, clock=transport.clock, **console_options)
    watch = Watch(console)
    try:
        assert await console.start(connect=False)
        await asyncio.wait_for(drive_console(transport, console), 30)
    finally:
        await console.shutdown()
    return transport, console, watch


def summary(console: Console) -> list[tuple]:
    return [
        (
            s.context_id,
            s.state.value,
            s.occupied,
            s.phantom,
            s.metrics.audio_frames,
            s.metrics.audio_bytes,
            s.metrics.late_frames,
            s.metrics.frames_sent,
            s.metrics.frames_received,
        )
        for s in console.session.slots
    ]


def transcript(console: Console) -> list[tuple]:
    return [(t.context_id, t.text, [w.text for w in t.words], t.interrupted) for t in console.session.transcript.turns]


async def test_a_replayed_session_shows_the_same_slots_and_plays_the_same_audio(local_server, tmp_path):
    spies: list[SpeakerSpy] = []

    def spy_factory(on_progress):
        spies.append(SpeakerSpy(on_progress))
        return spies[-1]

    config = resolve_config(
        provider="local", url=local_server, output_format="pcm_16000", audio="none", record_dir=tmp_path, rate=20
    )
    live = Console(config, speaker_factory=spy_factory)
    live_watch = Watch(live)
    try:
        assert await live.start() and await live.wait_connected(10)
        live.submit_turn("Sure, when would you like to travel?")
        await wait_for(lambda: live.session.slot_for("turn_1").state is SlotState.FINAL)
        live.submit_turn(LONG_TURN)
        await wait_for(lambda: live.session.slot_for("turn_2").metrics.audio_frames > 2)
        assert live.barge_in() is not None
        live.submit_turn("Saturday works. Do you want to fly direct or stopover?")
        await wait_for(
            lambda: live.session.occupied_count() == 0 and live.session.slot_for("turn_3").state is SlotState.FINAL
        )
    finally:
        await live.shutdown()

    recording = read_recording(live.recorder.path)
    assert recording.problem is None and recording.barge_ins
    transport, replayed, replay_watch = await replay(recording, 8, speaker_factory=spy_factory)

    assert summary(replayed) == summary(live)
    assert transcript(replayed) == transcript(live)
    assert replay_watch.settled() == live_watch.settled()
    assert "interrupted" in live_watch.states["turn_2"]
    live_audio, replayed_audio = spies[0].fed, spies[1].fed
    assert set(live_audio) == {"turn_1", "turn_2", "turn_3"}
    assert {cid: bytes(b) for cid, b in replayed_audio.items()} == {cid: bytes(b) for cid, b in live_audio.items()}
    assert transport.dropped_sends == 0 and transport.close_code == 1000


async def test_seek_lands_on_the_barge_in_with_the_model_exact_and_the_skipped_audio_silenced(tmp_path):
    demo = read_recording(Path(__file__).resolve().parent.parent / "recordings/demo-flight-booking.jsonl")
    assert demo.problem is None
    transport = ReplayTransport(demo, speed=1, paused=True)
    await transport.connect()
    config = resolve_config(
        provider="local",
        url=demo.header.url,
        dialect="murf",
        output_format=demo.header.output_format,
        audio="none",
        record=False,
    )
    console = Console(config, clock=transport.clock)
    muted: list[str | None] = []
    try:
        assert await console.start(connect=False)
        assert transport.seek_next_barge_in()
        task = asyncio.ensure_future(drive(transport, console, mute=muted.append))
        turn_2 = lambda: console.session.slot_for("turn_2")  # noqa: E731
        await wait_for(lambda: turn_2() is not None and turn_2().metrics.audio_frames > 0)
        await asyncio.sleep(0.05)
        # Paused on the barge-in: everything before it is applied, the barge-in itself is next.
        assert transport.scheduler.position_ms() == demo.barge_ins[0].offset_ms
        assert console.session.slot_for("turn_1").state is SlotState.FINAL
        assert turn_2().state is not SlotState.INTERRUPTED
        assert set(muted) == {"turn_1", "turn_2"}  # what was skipped does not play
        transport.step()
        await wait_for(lambda: turn_2().state is SlotState.INTERRUPTED)
        transport.set_speed(32)
        transport.resume()
        await asyncio.wait_for(task, 10)
    finally:
        await console.shutdown()
    assert console.session.slot_for("turn_3").state is SlotState.FINAL
    assert [a.kind for a in demo.actions() if a.kind == BARGE_IN] == [BARGE_IN]


async def test_an_inactivity_timeout_replays_at_twice_the_speed_as_it_happened(local_server, tmp_path):
    config = resolve_config(
        provider="local",
        url=local_server,
        output_format="pcm_16000",
        audio="none",
        record_dir=tmp_path,
        inactivity_timeout=1,
    )
    live = Console(config)
    live_watch = Watch(live)
    try:
        assert await live.start() and await live.wait_connected(10)
        assert live.send_raw('{"text": " ", "context_id": "idle"}').ok
        await wait_for(
            lambda: live.session.slot_for("idle") is not None and not live.session.slot_for("idle").occupied, timeout=5
        )
    finally:
        await live.shutdown()
    assert live_watch.states["idle"][-1] == "timed out"

    recording = read_recording(live.recorder.path)
    options = session_options(recording)
    assert options["inactivity_timeout"] == 1  # from the recorded URL
    _, replayed, replay_watch = await replay(recording, 2)
    assert replay_watch.states == live_watch.states
    assert summary(replayed) == summary(live)
