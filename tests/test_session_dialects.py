"""The session model for the dialects that say their frames as steps (Inworld, Cartesia,
ElevenLabs Text-to-Dialogue), on a frozen clock: raw frames of each dialect through
`Session.apply`, as the wire carries them (PROTOCOL-DIALECTS.md §1-3)."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tui.protocol import cartesia, dialogue, inworld
from tui.protocol.dialect import Dialect
from tui.protocol.formats import AudioFormat
from tui.protocol.frames import Audio, ContextOpened, ErrorFrame, Final, FlushDone, TurnAudioDone, WordTimestamps
from tui.protocol.steps import ClientStep, StepKind
from tui.session import (
    Connected,
    FrameReceived,
    FrameSent,
    Interrupted,
    Session,
    SlotState,
    SpeakerProgress,
    Tick,
    TurnOpened,
)
from tui.session.finals import CANCEL_GRACE, STEP_CLOSE_GRACE
from tui.session.model import MAX_UNCAPPED_SLOTS

PCM = AudioFormat("pcm", 16000)
TENTH = b"\x01" * 3200  # 0.1 s of 16 kHz s16le


def session(clock, dialect: Dialect) -> Session:
    s = Session(dialect, PCM, clock=clock)
    s.apply(Connected("ws://test"))
    return s


def send(s: Session, *frames: dict):
    return [s.apply(FrameSent(json.dumps(f))) for f in frames][-1]


def receive(s: Session, *frames: dict):
    return [s.apply(FrameReceived(json.dumps(f))) for f in frames][-1]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def last_received(s: Session):
    return [e for e in s.log if e.direction == "received"][-1]


# ---- Cartesia --------------------------------------------------------------------------------


def ca_text(cid: str, text: str, *, more: bool = True, flush: bool = False) -> dict:
    frame = {
        "model_id": "sonic-3.5",
        "transcript": text,
        "voice": {"mode": "id", "id": "a0e99841-438c-4a64-b679-ae501e7d6091"},
        "context_id": cid,
        "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000},
        "add_timestamps": True,
        "continue": more,
    }
    return frame | ({"flush": True} if flush else {})


def ca_chunk(cid: str, data: bytes = TENTH) -> dict:
    return {"type": "chunk", "data": b64(data), "done": False, "status_code": 206, "context_id": cid}


def ca_words(cid: str, words: list[str], start: list[float], end: list[float]) -> dict:
    stamps = {"words": words, "start": start, "end": end}
    return {"type": "timestamps", "done": False, "status_code": 206, "context_id": cid, "word_timestamps": stamps}


def ca_flush_done(cid: str, flush_id: int) -> dict:
    return {"type": "flush_done", "done": False, "flush_done": True, "flush_id": flush_id, "context_id": cid}


def ca_done(cid: str) -> dict:
    return {"type": "done", "done": True, "status_code": 206, "context_id": cid}


def test_a_cartesia_turn_opens_on_its_first_text_speaks_and_ends_at_done(frozen_clock):
    s = session(frozen_clock, Dialect.CARTESIA)
    send(s, ca_text("c1", "Hello "))
    slot = s.slot_for("c1")
    assert slot.occupied and slot.state is SlotState.STREAMING
    send(s, ca_text("c1", "world.", flush=True))
    assert slot.state is SlotState.GENERATING
    frozen_clock.advance(0.25)
    changes = receive(s, ca_chunk("c1"))
    assert slot.state is SlotState.SPEAKING and changes.play is not None
    assert slot.metrics.flush_to_audio == pytest.approx(0.25)
    send(s, ca_text("c1", "", more=False))
    assert slot.state is SlotState.CLOSING and slot.final_wait == STEP_CLOSE_GRACE
    receive(s, ca_done("c1"))
    assert slot.state is SlotState.FINAL and not slot.occupied


def test_cartesia_timestamps_are_no_audio_but_their_words_reach_the_transcript(frozen_clock):
    s = session(frozen_clock, Dialect.CARTESIA)
    send(s, ca_text("c1", "Hello world again", flush=True))
    slot = s.slot_for("c1")
    changes = receive(s, ca_words("c1", ["Hello", "world"], [0.0, 0.05], [0.04, 0.09]))
    # Timings before any audio: no TTFA, not speaking, not a byte of audio, nothing to play.
    assert changes.play is None and changes.transcript
    assert slot.state is SlotState.GENERATING
    assert slot.metrics.first_audio_at is None and slot.metrics.audio_bytes == 0
    assert s.status.last_ttfa is None
    receive(s, ca_chunk("c1"), ca_words("c1", ["again"], [0.1], [0.19]), ca_chunk("c1"))
    turn = s.transcript.turn("c1")
    # Cartesia's times count from the context's first audio: no offset, whatever came between.
    assert [(w.text, w.start) for w in turn.words] == [("Hello", 0.0), ("world", 0.05), ("again", 0.1)]
    assert turn.words_spoken(0.12) == 2
    assert slot.metrics.audio_bytes == 2 * len(TENTH)


def test_a_flush_done_is_counted_in_the_slot_and_named_in_the_log(frozen_clock):
    s = session(frozen_clock, Dialect.CARTESIA)
    send(s, ca_text("c1", "One. ", flush=True))
    receive(s, ca_chunk("c1"))
    frozen_clock.advance(1.5)
    changes = receive(s, ca_flush_done("c1", 1))
    slot = s.slot_for("c1")
    assert slot.index in changes.slots
    assert slot.metrics.markers == {"flush": 1} and slot.metrics.last_marker == "flush"
    assert slot.metrics.last_marker_at - slot.metrics.opened_at == pytest.approx(1.5)
    receive(s, ca_flush_done("c1", 2))
    assert slot.metrics.markers == {"flush": 2}
    assert slot.occupied and slot.state is SlotState.SPEAKING  # a flush done is not the end
    # Named beside the frame, which the log keeps as the whole JSON it was.
    assert last_received(s).marker == "flush done 2" and json.loads(last_received(s).summary)["flush_id"] == 2


def test_a_cartesia_cancel_waits_briefly_for_a_done_and_owes_no_audio(frozen_clock):
    s = session(frozen_clock, Dialect.CARTESIA)
    send(s, ca_text("c1", "A long answer that will be cut. "))
    send(s, {"context_id": "c1", "cancel": True})
    slot = s.slot_for("c1")
    assert slot.state is SlotState.CLOSING and slot.cleared and slot.final_wait == CANCEL_GRACE
    frozen_clock.advance(CANCEL_GRACE + 0.1)
    changes = s.apply(Tick())
    assert not slot.occupied and slot.released_after == CANCEL_GRACE and "c1" in changes.end_audio
    warnings = [e.summary for e in s.log if e.level == "warning"]
    assert not any("final with no audio" in w for w in warnings)  # a cancel owes none


def test_steps_that_open_nothing_do_not_take_a_slot(frozen_clock):
    s = session(frozen_clock, Dialect.CARTESIA)
    changes = send(s, {"context_id": "ghost", "cancel": True})
    assert s.slot_for("ghost") is None and not changes.slots
    assert any("cancel for context ghost, which is not open" in e.summary for e in s.log)
    assert s.context_opened_by(json.dumps({"context_id": "ghost", "cancel": True})) is None
    assert s.context_opened_by(json.dumps(ca_text("new", "Hi "))) == "new"
    send(s, ca_text("new", "Hi "))
    assert s.context_opened_by(json.dumps(ca_text("new", "there "))) is None  # already open


def test_with_no_per_socket_cap_the_slots_grow_reuse_the_oldest_finished_and_stop_at_a_bound(frozen_clock):
    s = session(frozen_clock, Dialect.CARTESIA)
    assert Dialect.CARTESIA.max_contexts is None and len(s.slots) == 5
    for n in range(7):
        changes = send(s, ca_text(f"c{n}", "Hi "))
    assert len(s.slots) == 7 and s.slot_for("c6").index == 6 and 6 in changes.slots
    assert s.occupied_count() == 7 and s.can_open_context()
    for n in (1, 4):
        frozen_clock.advance(1)
        receive(s, ca_done(f"c{n}"))
    send(s, ca_text("c7", "Hi "))
    # A finished slot is reused before the list grows: the one finished longest ago.
    assert len(s.slots) == 7 and s.slot_for("c7").index == 1 and s.slot_for("c4").index == 4
    for n in range(8, 8 + MAX_UNCAPPED_SLOTS):
        send(s, ca_text(f"c{n}", "Hi "))
    assert len(s.slots) == MAX_UNCAPPED_SLOTS
    overflow = s.status.overflow_contexts
    assert overflow and all(s.slot_for(cid) is None for cid in overflow)
    assert "no per-socket cap" in s.banner.text and "refuse" not in s.banner.text


# ---- Inworld ---------------------------------------------------------------------------------


def iw(cid: str, op: str, body: dict | None = None) -> dict:
    return {op: body or {}, "contextId": cid}


def iw_result(cid: str, event: str, body: dict) -> dict:
    return {"result": {"contextId": cid, event: body, "status": {"code": 0, "message": "", "details": []}}}


def iw_audio(cid: str, data: bytes = TENTH, words: tuple[list, list, list] | None = None) -> dict:
    chunk: dict = {"audioContent": b64(data)} if data else {}
    if words is not None:
        names, start, end = words
        alignment = {"words": names, "wordStartTimeSeconds": start, "wordEndTimeSeconds": end}
        chunk["timestampInfo"] = {"wordAlignment": alignment}
    return iw_result(cid, "audioChunk", chunk)


CREATE = {"voiceId": "Ashley", "modelId": "inworld-tts-2", "audioConfig": {"audioEncoding": "PCM"}}


def test_an_inworld_context_opens_on_create_and_its_creation_is_a_marker(frozen_clock):
    s = session(frozen_clock, Dialect.INWORLD)
    send(s, iw("c1", "create", CREATE))
    slot = s.slot_for("c1")
    assert slot.occupied and slot.state is SlotState.OPENING
    frozen_clock.advance(0.05)
    receive(s, iw_result("c1", "contextCreated", {"voiceId": "Ashley"}))
    assert slot.metrics.markers == {"ready": 1} and slot.state is SlotState.OPENING
    assert last_received(s).marker == "context created"
    send(s, iw("c1", "send_text", {"text": "Hello there.", "flush_context": {}}))
    assert slot.state is SlotState.GENERATING
    send(s, iw("c1", "close_context"))
    assert slot.state is SlotState.CLOSING and slot.final_wait == STEP_CLOSE_GRACE
    receive(s, iw_audio("c1"), iw_result("c1", "contextClosed", {}))
    assert slot.state is SlotState.FINAL and slot.metrics.audio_bytes == len(TENTH)


def test_inworld_word_times_restart_at_each_synthesis_and_count_from_its_last_flush_completed(frozen_clock):
    s = session(frozen_clock, Dialect.INWORLD)
    send(s, iw("c1", "create", CREATE))
    send(s, iw("c1", "send_text", {"text": "One two. ", "flush_context": {}}))
    send(s, iw("c1", "send_text", {"text": "Three four.", "flush_context": {}}))
    # First synthesis: 0.2 s of audio, words SYNC with the audio (times from 0).
    receive(s, iw_audio("c1", TENTH * 2, (["One", "two."], [0.0, 0.1], [0.08, 0.18])))
    receive(s, iw_result("c1", "flushCompleted", {}))
    # Second synthesis, ASYNC: audio first, then its words, again from 0.
    receive(s, iw_audio("c1", TENTH * 2))
    changes = receive(s, iw_audio("c1", b"", (["Three", "four."], [0.0, 0.1], [0.08, 0.18])))
    assert changes.play is None and changes.transcript
    turn = s.transcript.turn("c1")
    starts = [round(w.start, 3) for w in turn.words]
    assert starts == [0.0, 0.1, 0.2, 0.3]  # the second synthesis placed after the first's 0.2 s
    s.apply(SpeakerProgress("c1", heard_samples=int(0.26 * 16000), sample_rate=16000))
    assert turn.words_spoken() == 3
    assert s.slot_for("c1").metrics.markers == {"flush": 1}


def test_words_that_trail_a_barge_in_still_count_what_was_spoken(frozen_clock):
    s = session(frozen_clock, Dialect.INWORLD)
    send(s, iw("c1", "create", CREATE))
    send(s, iw("c1", "send_text", {"text": "Alpha beta gamma delta", "flush_context": {}}))
    receive(s, iw_audio("c1", TENTH * 4))
    send(s, iw("c1", "close_context"))
    s.apply(Interrupted("c1", heard_seconds=0.22))
    late = s.slot_for("c1").metrics.late_frames
    stamps = (["Alpha", "beta", "gamma", "delta"], [0.0, 0.1, 0.2, 0.3], [0.09, 0.19, 0.29, 0.39])
    receive(s, iw_audio("c1", b"", stamps))
    turn = s.transcript.turn("c1")
    assert s.slot_for("c1").metrics.late_frames == late  # timings are not a late audio frame
    assert turn.summary == "interrupted · 2 of 4 words spoken"


def test_an_inworld_cancel_context_is_a_cancel(frozen_clock):
    s = session(frozen_clock, Dialect.INWORLD)
    send(s, iw("c1", "create", CREATE), iw("c1", "send_text", {"text": "Hi there"}), iw("c1", "cancel_context"))
    slot = s.slot_for("c1")
    assert slot.state is SlotState.CLOSING and slot.cleared and slot.final_wait == CANCEL_GRACE


def test_an_inworld_keep_alive_names_its_context_and_opens_nothing_new(frozen_clock):
    s = session(frozen_clock, Dialect.INWORLD)
    send(s, iw("c1", "create", CREATE))
    frozen_clock.advance(5)
    send(s, iw("c1", "send_text", {"text": ""}))
    slot = s.slot_for("c1")
    assert slot.metrics.frames_sent == 2 and slot.deadline == frozen_clock.now + s.inactivity_timeout
    send(s, {"send_text": {"text": ""}})  # no context: the socket's keep-alive
    assert s.occupied_count() == 1


# ---- ElevenLabs Text-to-Dialogue -------------------------------------------------------------


def td_inputs(cid: str, *pairs: tuple[str, str]) -> dict:
    return {"context_id": cid, "inputs": [{"text": text, "voice_id": voice} for text, voice in pairs]}


def test_a_dialogue_turn_labels_each_speaker_segment(frozen_clock):
    s = session(frozen_clock, Dialect.ELEVENLABS_DIALOGUE)
    send(s, {"context_id": "t1", "voices": ["JBFqnCBsd6RMkjVDRZzb", "EXAVITQu4vr4xnSDxMaL"]})
    assert s.slot_for("t1").state is SlotState.OPENING
    send(s, td_inputs("t1", ("Are you ", "JBFqnCBsd6RMkjVDRZzb")), td_inputs("t1", ("there? ", "JBFqnCBsd6RMkjVDRZzb")))
    send(s, td_inputs("t1", ("Yes, I am. ", "EXAVITQu4vr4xnSDxMaL")))
    send(s, td_inputs("t1", ("Good. ", "JBFqnCBsd6RMkjVDRZzb")))
    turn = s.transcript.turn("t1")
    assert turn.speakers == [(0, "A"), (3, "B"), (6, "A")]
    # A voice keeps its label in the next turn; a name given by the front end wins.
    s.speaker_names["EXAVITQu4vr4xnSDxMaL"] = "Sarah"
    send(s, {"context_id": "t2", "voices": ["EXAVITQu4vr4xnSDxMaL"]}, td_inputs("t2", ("Hi. ", "EXAVITQu4vr4xnSDxMaL")))
    assert s.transcript.turn("t2").speakers == [(0, "Sarah")]


def test_a_turn_final_is_a_marker_and_is_final_ends_the_context(frozen_clock):
    s = session(frozen_clock, Dialect.ELEVENLABS_DIALOGUE)
    send(s, {"context_id": "t1", "voices": ["va"]}, td_inputs("t1", ("Hello. ", "va")))
    send(s, {"context_id": "t1", "flush": True})
    receive(s, {"audio": b64(TENTH), "context_id": "t1"})
    receive(s, {"is_final_audio_for_turn": True, "context_id": "t1"})
    slot = s.slot_for("t1")
    assert slot.occupied and slot.state is SlotState.SPEAKING and slot.metrics.markers == {"turn": 1}
    assert last_received(s).marker == "turn final"
    send(s, {"context_id": "t1", "close_context": True})
    receive(s, {"is_final": True, "context_id": "t1"})
    assert slot.state is SlotState.FINAL and not slot.occupied


def test_close_socket_closes_every_open_context(frozen_clock):
    s = session(frozen_clock, Dialect.ELEVENLABS_DIALOGUE)
    for cid in ("t1", "t2"):
        send(s, {"context_id": cid, "voices": ["va"]}, td_inputs(cid, ("Hello. ", "va")))
    send(s, {"close_socket": True})
    assert all(s.slot_for(cid).state is SlotState.CLOSING for cid in ("t1", "t2"))
    assert all(s.slot_for(cid).final_wait == STEP_CLOSE_GRACE for cid in ("t1", "t2"))


def test_an_inworld_update_config_generates_what_is_buffered(frozen_clock):
    s = session(frozen_clock, Dialect.INWORLD)
    send(s, iw("c1", "create", CREATE), iw("c1", "send_text", {"text": "Hello there"}))
    slot = s.slot_for("c1")
    assert slot.state is SlotState.STREAMING and slot.metrics.first_trigger_at is None
    send(s, iw("c1", "update_config", {"voiceId": "Dennis"}))
    assert slot.state is SlotState.GENERATING and slot.metrics.first_trigger_at == frozen_clock.now


def test_a_step_can_be_folded_without_a_frame():
    s = Session(Dialect.CARTESIA, PCM, clock=lambda: 5.0)
    changes = s.sent_step(ClientStep(StepKind.TEXT, "c1", "Hi ", speaker="v1"), size=40)
    slot = s.slot_for("c1")
    assert slot.index in changes.slots and slot.metrics.bytes_sent == 40
    assert s.transcript.turn("c1").speakers == [(0, "A")]


# ---- idle clocks ------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", [Dialect.INWORLD, Dialect.CARTESIA])
def test_a_socket_idle_clock_counts_down_on_every_open_slot_and_times_out_no_context(frozen_clock, dialect):
    s = session(frozen_clock, dialect)
    opening = [iw("c1", "create", CREATE), iw("c2", "create", CREATE)]
    if dialect is Dialect.CARTESIA:
        opening = [ca_text("c1", "Hi "), ca_text("c2", "Hi ")]
    send(s, opening[0])
    frozen_clock.advance(30)
    send(s, opening[1])
    # One socket deadline, reset by any frame: both slots count down to it.
    assert s.inactivity_timeout == s.socket_timeout > 60
    assert s.slot_for("c1").deadline == s.slot_for("c2").deadline == frozen_clock.now + s.socket_timeout
    frozen_clock.advance(s.socket_timeout + 1)
    s.apply(Tick())
    assert all(s.slot_for(cid).state is not SlotState.TIMED_OUT for cid in ("c1", "c2"))


def test_a_dialogue_context_times_out_on_its_own_inactivity(frozen_clock):
    s = session(frozen_clock, Dialect.ELEVENLABS_DIALOGUE)
    assert s.socket_timeout is None
    send(s, {"context_id": "t1", "voices": ["va"]}, td_inputs("t1", ("Hello ", "va")))
    frozen_clock.advance(s.inactivity_timeout + 0.1)
    s.apply(Tick())
    assert s.slot_for("t1").state is SlotState.TIMED_OUT and s.slot_for("t1").occupied


def test_a_typed_dialogue_turn_counts_its_words_without_the_speaker_labels(frozen_clock):
    s = session(frozen_clock, Dialect.ELEVENLABS_DIALOGUE)
    s.name_speakers(["va", "vb"])  # the console's voice list: A is the first, B the second
    s.apply(TurnOpened("t1", "B: Are you there? A: Yes, I am."))
    send(s, {"context_id": "t1", "voices": ["va", "vb"]})
    send(s, td_inputs("t1", ("Are ", "vb")), td_inputs("t1", ("you ", "vb")))
    turn = s.transcript.turn("t1")
    # B speaks first and is still B: the labels follow the voice list, not who spoke first.
    assert turn.speakers == [(0, "B")]
    assert turn.unsent_words == ["there?", "Yes,", "I", "am."] and turn.total_words == 6
    send(s, td_inputs("t1", ("there? ", "vb")), td_inputs("t1", ("Yes, ", "va")))
    assert turn.speakers == [(0, "B"), (3, "A")] and turn.unsent_words == ["I", "am."]
    assert s.speaker_label("vc") == "C"  # a voice not listed gets the next letter


# ---- generated sessions --------------------------------------------------------------------------

_IDS = st.sampled_from(["c1", "c2", "c3", "c4", "c5", "c6", "c7"])
_TEXTS = st.sampled_from(["", " ", "Hello ", "there. ", "A long sentence, said. "])
_SECONDS = st.lists(st.floats(0, 5, allow_nan=False), min_size=0, max_size=3)


@st.composite
def _words(draw, relative_to: str) -> WordTimestamps:
    starts = draw(_SECONDS)
    return WordTimestamps(tuple("w" * (i + 1) for i in range(len(starts))), tuple(starts), tuple(starts), relative_to)


def _server_events(dialect: Dialect):
    audio = st.builds(Audio, st.sampled_from([b"", TENTH]), _IDS)
    if dialect is Dialect.CARTESIA:
        audio = st.builds(Audio, st.sampled_from([b"", TENTH]), _IDS, words=st.none() | _words("context"))
        markers = st.builds(FlushDone, _IDS, st.none() | st.integers(1, 9))
    elif dialect is Dialect.INWORLD:
        audio = st.builds(Audio, st.sampled_from([b"", TENTH]), _IDS, words=st.none() | _words("synthesis"))
        markers = st.builds(FlushDone, _IDS) | st.builds(ContextOpened, _IDS)
    else:
        markers = st.builds(TurnAudioDone, _IDS)
    errors = st.builds(ErrorFrame, st.just("refused"), context_id=st.none() | _IDS, code=st.just(429))
    return audio | markers | st.builds(Final, _IDS) | errors


_STEPS = st.builds(
    ClientStep,
    st.sampled_from(list(StepKind)),
    st.none() | _IDS,
    _TEXTS,
    flush=st.booleans(),
    close=st.booleans(),
    speaker=st.none() | st.sampled_from(["va", "vb"]),
)
_CODECS = {Dialect.CARTESIA: cartesia, Dialect.INWORLD: inworld, Dialect.ELEVENLABS_DIALOGUE: dialogue}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), dialect=st.sampled_from(list(_CODECS)))
def test_a_generated_session_never_raises_and_timings_never_count_as_audio(frozen_clock, data, dialect):
    s = session(frozen_clock, dialect)
    events = _server_events(dialect)
    for _ in range(data.draw(st.integers(1, 25))):
        choice = data.draw(st.integers(0, 4))
        if choice == 0:
            s.sent_step(data.draw(_STEPS), size=20)
        elif choice == 1:
            frozen_clock.advance(data.draw(st.floats(0, 40, allow_nan=False)))
            s.apply(Tick())
        elif choice == 2:
            s.apply(Interrupted(data.draw(_IDS), heard_seconds=data.draw(st.none() | st.floats(0, 2))))
        else:
            event = data.draw(events)
            slot = s.slot_for(event.context_id)
            before = None if slot is None else (slot.metrics.audio_bytes, slot.metrics.first_audio_at)
            was_speaking = slot is not None and slot.state is SlotState.SPEAKING
            frames = _CODECS[dialect].encode_server(event)
            # Cartesia sends nothing for an empty chunk with no timestamps.
            played = [s.apply(FrameReceived(f)).play for f in ([frames] if isinstance(frames, str) else frames)]
            if isinstance(event, Audio) and not event.audio:
                assert played.count(None) == len(played)
                if before is not None:  # a deadline may still move the slot (apply ticks first)
                    assert (slot.metrics.audio_bytes, slot.metrics.first_audio_at) == before
                    assert slot.state is not SlotState.SPEAKING or was_speaking
        assert len(s.slots) <= MAX_UNCAPPED_SLOTS
        assert all(slot.occupied == slot.awaiting_final for slot in s.slots)
        limit = dialect.max_contexts
        if limit is not None:
            assert len(s.slots) == limit


def test_inworld_character_timestamps_are_joined_into_words(frozen_clock):
    s = session(frozen_clock, Dialect.INWORLD)
    send(s, iw("c1", "create", CREATE), iw("c1", "send_text", {"text": "Hi you", "flush_context": {}}))
    chars = {"characters": list("Hi y"), "characterStartTimeSeconds": [0, 0.1, 0.2, 0.3]}
    chars["characterEndTimeSeconds"] = [0.1, 0.2, 0.3, 0.4]
    tail = {"characters": list("ou"), "characterStartTimeSeconds": [0.4, 0.5], "characterEndTimeSeconds": [0.5, 0.6]}
    for alignment in (chars, tail):
        receive(s, iw_result("c1", "audioChunk", {"timestampInfo": {"characterAlignment": alignment}}))
    words = s.transcript.turn("c1").words
    assert [(w.text, w.start, w.end) for w in words] == [("Hi", 0.0, 0.2), ("you", 0.3, 0.6)]
