"""What the console shows and plays is what happened (issue 8): every turn plays and keeps its own
transcript line and slot; a barge-in after the final still says what the listener heard; the
words of a turn are counted against what the operator typed; both TTFAs are measured.

Against the REAL local server on loopback (tone voice: whitespace is silence, every other char
60 ms of sine) with the real client, and where sound matters the virtual speaker (a PulseAudio
null sink whose monitor is recorded).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.test_core_console import LONG_TURN, shutdown_after, wait_for
from tui.audio import make_speaker
from tui.core import Console, resolve_config
from tui.net import Backoff
from tui.protocol import elevenlabs
from tui.protocol.dialect import Dialect
from tui.protocol.formats import AudioFormat
from tui.protocol.frames import Alignment, Audio, Final
from tui.server import LocalServer
from tui.session import (
    DEFAULT_VOICE_SETTINGS,
    Connected,
    FrameReceived,
    FrameSent,
    Interrupted,
    Session,
    SlotState,
    TurnOpened,
    TurnQueued,
    Wire,
)

consoles = shutdown_after  # the fixture, under this module's name for it

PCM16K = AudioFormat("pcm", 16000)
EL = Wire(Dialect.ELEVENLABS, voice_settings=DEFAULT_VOICE_SETTINGS)
# Between two sound segments on the sink; tone words are 60 ms of silence apart.
SEGMENT_GAP = 0.25


async def console_on(url: str, keep, *, audio: str = "none", **options) -> Console:
    options = {"record": False, "rate": 20, **options}
    config = resolve_config(provider="local", url=url, audio=audio, **options)
    console = Console(config, speaker_factory=lambda progress: make_speaker(audio, on_progress=progress))
    keep(console)
    assert await console.start()
    assert await console.wait_connected(10)
    return console


def segments(recording, gap: float = SEGMENT_GAP) -> int:
    """Runs of sound separated by more than `gap` seconds of silence."""
    if recording.onset() is None:
        return 0
    return 1 + sum(1 for _, length in recording.gaps(gap) if length > gap)


async def test_single_context_every_turn_plays_and_keeps_its_transcript_line(local_server, consoles, virtual_speaker):
    console = await console_on(local_server, consoles, audio="miniaudio", dialect="elevenlabs-single")
    assert console.speaker.speaker.backend_name == "miniaudio", console.speaker.speaker.silent_reason
    session = console.session
    texts = ["Hello there.", "Second turn.", "Third one."]
    start = time.monotonic()
    for n, text in enumerate(texts, 1):
        assert console.submit_turn(text).ok
        cid = f"turn_{n}"
        await wait_for(
            lambda: (
                (s := session.slot_for(cid)) is not None
                and s.state is SlotState.FINAL
                and s.metrics.audio_seconds > 0
                and s.metrics.heard_seconds >= s.metrics.audio_seconds - 0.05
            ),
            10,
        )
        await asyncio.sleep(SEGMENT_GAP + 0.15)  # silence between turns on the sink
    heard = virtual_speaker.record(start, time.monotonic())
    assert segments(heard) == 3, f"{segments(heard)} sound segment(s) on the sink"
    for n, text in enumerate(texts, 1):
        slot = session.slot_for(f"turn_{n}")
        m = slot.metrics
        assert abs(m.heard_seconds - m.audio_seconds) < 0.05, (slot.context_id, m.heard_seconds, m.audio_seconds)
        assert session.transcript.turn(f"turn_{n}").text.strip() == text
    assert [t.context_id for t in session.transcript.turns] == ["turn_1", "turn_2", "turn_3"]
    assert sorted(s.context_id for s in session.slots if s.context_id) == ["turn_1", "turn_2", "turn_3"]


async def test_single_context_a_barged_in_turn_keeps_its_line_and_the_next_turn_plays(local_server, consoles):
    console = await console_on(local_server, consoles, dialect="elevenlabs-single", rate=8)
    session = console.session
    assert console.submit_turn(LONG_TURN).ok
    await wait_for(lambda: (s := session.slot_for("turn_1")) is not None and s.metrics.audio_frames > 0, 10)
    assert console.barge_in() == "turn_1"
    assert console.submit_turn("Next turn.").ok
    await wait_for(lambda: (s := session.slot_for("turn_2")) is not None and s.state is SlotState.FINAL, 10)
    assert session.slot_for("turn_1").state is SlotState.INTERRUPTED
    first, second = session.transcript.turns
    assert first.context_id == "turn_1" and first.interrupted and "interrupted" in first.summary
    assert second.context_id == "turn_2" and second.text == "Next turn. " and not second.interrupted
    assert session.slot_for("turn_2").metrics.audio_seconds > 0


# ---- a barge-in after the server's final: what the listener heard decides ---------------------


def _finished_turn(clock, seconds: float) -> tuple[Session, str]:
    """A turn whose audio (`seconds` of it at 16 kHz) and final have all arrived."""
    s = Session(Dialect.ELEVENLABS, PCM16K, clock=clock)
    s.apply(Connected("ws://test"))
    cid = s.new_context_id()
    for frame in EL.open(cid) + EL.text(cid, "Hello there. ", True) + EL.end_turn(cid, unflushed=False):
        s.apply(FrameSent(frame))
    s.apply(FrameReceived(elevenlabs.encode_server(Audio(b"\x01\x00" * int(16000 * seconds), cid))))
    s.apply(FrameReceived(elevenlabs.encode_server(Final(cid))))
    assert s.slot_for(cid).state is SlotState.FINAL
    return s, cid


def test_a_barge_in_after_the_final_while_its_audio_plays_interrupts_the_slot(frozen_clock):
    s, cid = _finished_turn(frozen_clock, 2.0)
    s.apply(Interrupted(cid, heard_seconds=0.5))
    slot = s.slot_for(cid)
    assert slot.state is SlotState.INTERRUPTED and not slot.occupied
    assert (slot.metrics.heard_seconds, slot.metrics.audio_seconds) == (0.5, 2.0)
    assert s.transcript.turn(cid).interrupted


def test_a_barge_in_after_a_turn_was_heard_to_its_end_leaves_it_final(frozen_clock):
    s, cid = _finished_turn(frozen_clock, 2.0)
    s.apply(Interrupted(cid, heard_seconds=2.0))
    assert s.slot_for(cid).state is SlotState.FINAL
    assert not s.transcript.turn(cid).interrupted and s.transcript.turn(cid).summary == ""


async def test_a_barge_in_after_the_servers_final_marks_the_slot_interrupted_with_heard_vs_received(
    local_server, consoles
):
    # 50 words/s: all the audio and the final arrive long before the (real-time) speaker has
    # played them, as with a fast LLM.
    console = await console_on(local_server, consoles, rate=50)
    session = console.session
    assert console.submit_turn(LONG_TURN).ok
    await wait_for(lambda: (s := session.slot_for("turn_1")) is not None and s.state is SlotState.FINAL, 10)
    slot = session.slot_for("turn_1")
    assert slot.metrics.heard_seconds < slot.metrics.audio_seconds - 1.0  # still playing
    assert console.barge_in() == "turn_1"
    assert slot.state is SlotState.INTERRUPTED
    assert 0 < slot.metrics.heard_seconds < slot.metrics.audio_seconds - 1.0
    assert session.transcript.turn("turn_1").interrupted


# ---- "N of M words spoken" counts against the turn as typed --------------------------------

TYPED_43 = " ".join(f"w{i}" for i in range(1, 43)) + " end."


def _aligned_audio(cid: str, text: str, ms_per_char: int = 100) -> FrameReceived:
    n = len(text)
    alignment = Alignment(tuple(text), tuple(i * ms_per_char for i in range(n)), (ms_per_char,) * n)
    samples = int(16000 * n * ms_per_char / 1000)
    return FrameReceived(elevenlabs.encode_server(Audio(b"\x01\x00" * samples, cid, alignment)))


def test_words_spoken_are_counted_against_the_whole_typed_turn(frozen_clock):
    s = Session(Dialect.ELEVENLABS, PCM16K, clock=frozen_clock)
    s.apply(Connected("ws://test"))
    cid = s.new_context_id()
    s.apply(TurnOpened(cid, TYPED_43))
    sent = TYPED_43.split()[:17]
    for frame in EL.open(cid) + [f for w in sent for f in EL.text(cid, w + " ", False)]:
        s.apply(FrameSent(frame))
    s.apply(_aligned_audio(cid, " ".join(sent) + " "))
    s.apply(Interrupted(cid, heard_seconds=1.55))  # w5 ends at 1.4 s, w6's middle is at 1.6 s
    turn = s.transcript.turn(cid)
    assert turn.summary == "interrupted · 5 of 43 words spoken"
    assert turn.unsent_words == TYPED_43.split()[17:]


async def test_a_turn_cut_early_counts_its_spoken_words_against_all_it_typed(local_server, consoles):
    console = await console_on(local_server, consoles, rate=4)
    assert console.submit_turn(LONG_TURN).ok
    await wait_for(
        lambda: (
            (s := console.session.slot_for("turn_1")) is not None
            and s.metrics.audio_frames > 0
            and s.metrics.heard_seconds > 0.3
        ),
        10,
    )
    console.barge_in()
    turn = console.session.transcript.turn("turn_1")
    typed = len(LONG_TURN.split())
    assert len(turn.text.split()) < typed  # cut before it was all sent
    assert turn.summary.endswith(f" of {typed} words spoken"), turn.summary
    assert turn.text.split() + turn.unsent_words == LONG_TURN.split()


# ---- a turn that waits shows in the transcript as queued -----------------------------------


def test_a_queued_turn_shows_as_queued_until_it_opens(frozen_clock):
    s = Session(Dialect.ELEVENLABS, PCM16K, clock=frozen_clock)
    s.apply(TurnQueued("Still there?"))
    assert [q.typed for q in s.transcript.queued] == ["Still there?"] and s.transcript.turns == []
    s.apply(Connected("ws://test"))
    cid = s.new_context_id()
    s.apply(TurnOpened(cid, "Still there?"))
    for frame in EL.open(cid) + EL.text(cid, "Still ", False):
        s.apply(FrameSent(frame))
    assert s.transcript.queued == []
    assert [(t.context_id, t.typed, t.text) for t in s.transcript.turns] == [(cid, "Still there?", "Still ")]


async def test_a_turn_typed_while_disconnected_is_in_the_transcript_as_queued_until_it_starts(
    voice_loader, consoles, unused_tcp_port
):
    config = resolve_config(
        provider="local", url=f"ws://127.0.0.1:{unused_tcp_port}", audio="none", record=False, rate=20
    )
    console = Console(config, backoff=Backoff(initial=0.05, factor=2, cap=0.2, jitter=0))
    consoles(console)
    assert await console.start()
    assert "queued" in console.submit_turn("Still there?").message
    assert [q.typed for q in console.session.transcript.queued] == ["Still there?"]
    server = LocalServer(voice_loader("tone"), port=unused_tcp_port)
    await server.start()
    try:
        await wait_for(lambda: console.session.slot_for("turn_1") is not None, 10)
        assert console.session.transcript.queued == []
        assert console.session.transcript.turn("turn_1").typed == "Still there?"
    finally:
        await console.shutdown()
        await server.close()


# ---- TTFA: from the first text and from the flush, both measured and named -------------------


def test_ttfa_is_measured_from_the_first_text_and_from_the_flush(frozen_clock):
    s = Session(Dialect.ELEVENLABS, PCM16K, clock=frozen_clock)
    s.apply(Connected("ws://test"))
    cid = s.new_context_id()
    for frame in EL.open(cid):
        s.apply(FrameSent(frame))
    frozen_clock.advance(0.1)
    s.apply(FrameSent(EL.text(cid, "Hello ", False)[0]))  # the first text: 0.1 s
    frozen_clock.advance(0.4)
    s.apply(FrameSent(EL.text(cid, "there. ", True)[0]))  # the flush: 0.5 s
    frozen_clock.advance(0.2)
    s.apply(FrameReceived(elevenlabs.encode_server(Audio(b"\x01\x00" * 1600, cid))))  # audio: 0.7 s
    m = s.slot_for(cid).metrics
    assert (m.text_to_audio, m.flush_to_audio) == (pytest.approx(0.6), pytest.approx(0.2))
    assert (s.status.last_ttfa_text, s.status.last_ttfa) == (pytest.approx(0.6), pytest.approx(0.2))


async def test_a_finished_context_id_used_again_opens_a_new_context_that_plays(local_server, consoles, virtual_speaker):
    # The server opens a new context for a finished id (a raw frame, a client reusing ids); the
    # speaker must play it rather than drop its audio as late audio of the old context.
    console = await console_on(local_server, consoles, audio="miniaudio")
    session = console.session

    def played_out() -> bool:
        s = session.slot_for("turn_1")
        return (
            s is not None
            and s.state is SlotState.FINAL
            and s.metrics.audio_seconds > 0
            and s.metrics.heard_seconds >= s.metrics.audio_seconds - 0.05
        )

    assert console.submit_turn("Hello there.").ok
    await wait_for(played_out, 10)
    first = session.slot_for("turn_1").metrics.audio_seconds
    start = time.monotonic()
    assert console.send_raw('{"text":"Once more, louder. ","context_id":"turn_1","flush":true}').ok
    assert console.send_raw('{"context_id":"turn_1","close_context":true}').ok
    await wait_for(lambda: played_out() and session.slot_for("turn_1").metrics.audio_seconds != first, 10)
    heard = virtual_speaker.record(start, time.monotonic())
    assert heard.onset() is not None, "the reused id's audio never reached the speaker"
