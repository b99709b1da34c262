"""The session model on a frozen clock: slots as the server counts them, deadlines, late audio,
phantom and sixth contexts, errors and closes. Frames are built with the real protocol codecs."""

from __future__ import annotations

import pytest

from tui.protocol import elevenlabs, murf
from tui.protocol.dialect import Dialect
from tui.protocol.formats import AudioFormat
from tui.protocol.frames import Alignment, Audio, ErrorFrame, Final
from tui.session import (
    DEFAULT_VOICE_SETTINGS,
    Connected,
    Disconnected,
    FrameReceived,
    FrameSent,
    Interrupted,
    Session,
    SlotState,
    SpeakerProgress,
    StatusUpdate,
    Tick,
    Wire,
)
from tui.session.finals import ELEVENLABS_MARGIN
from tui.session.slot import TRANSITIONS, ContextSlot

PCM = AudioFormat("pcm", 16000)
EL = Wire(Dialect.ELEVENLABS, voice_settings=DEFAULT_VOICE_SETTINGS)
MURF = Wire(Dialect.MURF, voice_config=murf.VoiceConfig(voice_id="en-US-natalie"))


def session(clock, dialect=Dialect.ELEVENLABS, **kw) -> Session:
    s = Session(dialect, PCM, clock=clock, **kw)
    s.apply(Connected("ws://test"))
    return s


def send(s: Session, *frames: str):
    return [s.apply(FrameSent(f)) for f in frames][-1]


def audio(cid: str, n_bytes: int = 3200, alignment: Alignment | None = None) -> FrameReceived:
    return FrameReceived(elevenlabs.encode_server(Audio(b"\x01" * n_bytes, cid, alignment)))


def final(cid: str) -> FrameReceived:
    return FrameReceived(elevenlabs.encode_server(Final(cid)))


def open_turn(s: Session, text: str = "Hello there. ") -> str:
    cid = s.new_context_id()
    send(s, *EL.open(cid))
    for word in text.split():
        send(s, *EL.text(cid, word + " ", word.endswith(".")))
    return cid


# ---- the state machine ---------------------------------------------------------------------


def test_a_turn_goes_opening_streaming_generating_speaking_closing_final(frozen_clock):
    s = session(frozen_clock)
    cid = s.new_context_id()
    send(s, *EL.open(cid))
    slot = s.slot_for(cid)
    assert slot.state is SlotState.OPENING and slot.occupied and not slot.phantom
    send(s, *EL.text(cid, "Hello ", False))
    assert slot.state is SlotState.STREAMING
    send(s, *EL.text(cid, "there. ", True))
    assert slot.state is SlotState.GENERATING
    frozen_clock.advance(0.2)
    changes = s.apply(audio(cid))
    assert slot.state is SlotState.SPEAKING and changes.play is not None
    assert slot.metrics.ttfa == pytest.approx(0.2)
    send(s, *EL.end_turn(cid, unflushed=False))
    assert slot.state is SlotState.CLOSING and slot.draining
    frozen_clock.advance(0.3)
    changes = s.apply(final(cid))
    assert slot.state is SlotState.FINAL and not slot.occupied
    assert slot.metrics.close_to_final == pytest.approx(0.3)
    assert changes.end_audio == {cid}


def test_text_after_a_flush_streams_again_and_a_free_slot_takes_a_new_context(frozen_clock):
    s = session(frozen_clock)
    cid = open_turn(s, "One. ")
    slot = s.slot_for(cid)
    assert slot.state is SlotState.GENERATING
    send(s, *EL.text(cid, "Two ", False))
    assert slot.state is SlotState.STREAMING
    send(s, *EL.end_turn(cid, unflushed=True))
    s.apply(final(cid))
    assert slot.state is SlotState.FINAL
    for _ in range(4):
        open_turn(s)
    fifth = open_turn(s)
    # Four never-used slots were taken first; the fifth new context reuses the finished slot.
    assert s.slot_for(fifth) is slot and slot.state is SlotState.GENERATING
    assert slot.metrics.chars_sent == len(" Hello there. ")


@pytest.mark.parametrize("state", list(SlotState))
def test_only_listed_transitions_are_taken(state):
    for target in SlotState:
        slot = ContextSlot(0, state=state)
        changed = slot.move(target)
        assert changed == (target in TRANSITIONS[state]), (state, target)
        assert slot.state is (target if changed else state)


def test_a_final_keeps_the_interrupted_label_but_frees_the_slot(frozen_clock):
    s = session(frozen_clock)
    cid = open_turn(s)
    send(s, EL.barge_in(cid))
    s.apply(Interrupted(cid, 0.5))
    slot = s.slot_for(cid)
    assert slot.state is SlotState.INTERRUPTED and slot.occupied and slot.draining
    s.apply(final(cid))
    assert slot.state is SlotState.INTERRUPTED and not slot.occupied


# ---- the drain holds the slot ----------------------------------------------------------------


def test_a_closed_context_holds_its_slot_until_the_servers_final(frozen_clock):
    s = session(frozen_clock)
    ids = [open_turn(s) for _ in range(5)]
    for cid in ids:
        send(s, EL.close(cid))
    assert s.occupied_count() == 5 and not s.can_open_context()
    frozen_clock.advance(5)
    assert s.occupied_count() == 5  # time alone frees nothing
    s.apply(final(ids[2]))
    assert s.occupied_count() == 4 and s.can_open_context()


def test_a_sixth_context_is_counted_as_overflow_with_a_warning(frozen_clock):
    s = session(frozen_clock)
    for _ in range(5):
        open_turn(s)
    sixth = s.new_context_id()
    assert s.context_opened_by(EL.open(sixth)[0]) == sixth
    changes = send(s, *EL.open(sixth))
    assert s.slot_for(sixth) is None and s.status.overflow_contexts == [sixth]
    assert changes.status and "will refuse" in s.log.entries()[-1].summary


# ---- phantom contexts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        '{"context_id":"ghost","flush":true}',
        '{"context_id":"ghost","text":""}',
        '{"context_id":"ghost","close_context":true}',
        '{"context_id":"ghost","text":"Boo. "}',
    ],
)
def test_any_frame_naming_an_unknown_context_occupies_a_slot_as_a_phantom(frozen_clock, frame):
    s = session(frozen_clock)
    assert s.context_opened_by(frame) == "ghost"
    send(s, frame)
    slot = s.slot_for("ghost")
    assert slot is not None and slot.phantom and slot.occupied
    assert "phantom" in s.log.entries(context_id="ghost")[-1].summary


def test_a_keep_alive_after_the_final_reopens_the_context_as_a_phantom(frozen_clock):
    s = session(frozen_clock)
    cid = open_turn(s)
    send(s, EL.close(cid))
    s.apply(final(cid))
    assert s.context_opened_by(EL.keep_alive(cid)) == cid
    send(s, EL.keep_alive(cid))
    assert s.slot_for(cid).occupied and s.slot_for(cid).phantom


def test_a_context_less_keep_alive_opens_nothing(frozen_clock):
    s = session(frozen_clock)
    assert s.context_opened_by('{"text":""}') is None
    send(s, '{"text":""}')
    assert s.occupied_count() == 0


# ---- inactivity deadlines --------------------------------------------------------------------


def test_the_countdown_runs_from_the_last_frame_and_a_keep_alive_resets_it(frozen_clock):
    s = session(frozen_clock, inactivity_timeout=20)
    cid = open_turn(s)
    slot = s.slot_for(cid)
    assert slot.countdown(frozen_clock()) == pytest.approx(20)
    frozen_clock.advance(15)
    assert slot.countdown(frozen_clock()) == pytest.approx(5)
    send(s, EL.keep_alive(cid))
    assert slot.countdown(frozen_clock()) == pytest.approx(20)
    frozen_clock.advance(19.9)
    s.apply(Tick())
    assert slot.state is SlotState.GENERATING
    frozen_clock.advance(0.1)
    changes = s.apply(Tick())
    assert slot.state is SlotState.TIMED_OUT and slot.occupied and changes.slots == {slot.index}
    # from now on the countdown is the console's own wait for its final (tui.session.finals)
    assert slot.waiting_for_final and slot.countdown(frozen_clock()) == pytest.approx(20 + ELEVENLABS_MARGIN)


def test_a_closed_context_never_times_out_its_countdown_is_the_wait_for_its_final(frozen_clock):
    s = session(frozen_clock, inactivity_timeout=5)
    cid = open_turn(s)
    send(s, EL.close(cid))
    frozen_clock.advance(10)
    s.apply(Tick())
    slot = s.slot_for(cid)
    assert slot.state is SlotState.CLOSING and slot.waiting_for_final  # no inactivity timeout once closed
    assert slot.countdown(frozen_clock()) == pytest.approx(5 + ELEVENLABS_MARGIN - 10)


def test_a_final_that_beats_the_deadline_tick_still_shows_the_context_timed_out(frozen_clock):
    # The server times the context out at the same moment as the console's own timer; when its
    # final is read first, the slot must still say why it closed.
    s = session(frozen_clock, inactivity_timeout=1)
    send(s, elevenlabs.encode_client(elevenlabs.SendText(" ", "idle")))
    slot = s.slot_for("idle")
    frozen_clock.advance(1.001)  # no Tick: the timer has not fired
    s.apply(final("idle"))
    assert slot.state is SlotState.TIMED_OUT and not slot.occupied


def test_murf_counts_down_the_socket_not_each_context(frozen_clock):
    s = session(frozen_clock, Dialect.MURF)
    a, b = s.new_context_id(), s.new_context_id()
    send(s, *MURF.text(a, "Hi ", False))
    frozen_clock.advance(100)
    send(s, *MURF.text(b, "Yo ", False))
    assert s.slot_for(a).countdown(frozen_clock()) == pytest.approx(180)
    frozen_clock.advance(200)
    s.apply(Tick())
    assert s.slot_for(a).state is SlotState.STREAMING  # the server closes the socket instead


# ---- late frames and strays -------------------------------------------------------------------


def test_audio_after_a_barge_in_is_counted_and_never_played(frozen_clock):
    s = session(frozen_clock)
    cid = open_turn(s)
    s.apply(audio(cid, 1000))
    send(s, EL.barge_in(cid))
    s.apply(Interrupted(cid, 0.01))
    changes = s.apply(audio(cid, 640))
    m = s.slot_for(cid).metrics
    assert changes.play is None
    assert (m.late_frames, m.late_bytes, m.audio_bytes) == (1, 640, 1000)


def test_audio_for_an_unknown_context_is_a_stray_not_played(frozen_clock):
    s = session(frozen_clock)
    changes = s.apply(audio("nobody"))
    assert changes.play is None and s.status.stray_frames == 1


def test_audio_after_a_normal_close_still_plays(frozen_clock):
    s = session(frozen_clock)
    cid = open_turn(s)
    send(s, *EL.end_turn(cid, unflushed=False))
    assert s.apply(audio(cid)).play is not None


# ---- errors, closes, and frames that make no sense ----------------------------------------------


def test_an_error_frame_shows_whole_in_a_banner_and_marks_its_context(frozen_clock):
    s = session(frozen_clock)
    cid = open_turn(s)
    frame = elevenlabs.encode_server(ErrorFrame(elevenlabs.VOICE_SETTINGS_MESSAGE, None, 1008, cid))
    changes = s.apply(FrameReceived(frame))
    assert changes.banner is not None and elevenlabs.VOICE_SETTINGS_MESSAGE in changes.banner.text
    assert "1008" in changes.banner.text and s.slot_for(cid).state is SlotState.ERROR


def test_losing_the_connection_fails_open_slots_and_says_so(frozen_clock):
    s = session(frozen_clock)
    cid = open_turn(s)
    changes = s.apply(Disconnected(1008, "max_active_conversations"))
    assert s.slot_for(cid).state is SlotState.ERROR and not s.slot_for(cid).occupied
    assert "1008" in changes.banner.text and "max_active_conversations" in changes.banner.text
    assert s.status.close_code == 1008


def test_an_expected_close_with_nothing_open_raises_no_banner(frozen_clock):
    s = session(frozen_clock)
    assert s.apply(Disconnected(1000, "bye", expected=True)).banner is None


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1,2]",
        b"\xff\xfe",
        '{"audio": 5, "contextId": "x"}',
        '{"isFinal": "yes"}',
        '{"contextId": 7}',
        '{"whatever": true}',
        '{"isFinal": true, "contextId": "never-opened"}',
        '{"audio": "!!!", "contextId": "x"}',
    ],
)
def test_nothing_the_server_sends_raises(frozen_clock, raw):
    s = session(frozen_clock)
    open_turn(s)
    changes = s.apply(FrameReceived(raw))
    assert changes.log and len(s.log.entries()) > 0


def test_murf_end_and_clear_close_the_context_and_final_frees_it(frozen_clock):
    s = session(frozen_clock, Dialect.MURF)
    a = s.new_context_id()
    send(s, *MURF.text(a, "Sure, ", False))
    slot = s.slot_for(a)
    assert slot.state is SlotState.STREAMING and not slot.phantom
    send(s, *MURF.text(a, "okay. ", False))
    assert slot.metrics.first_trigger_at is not None  # a sentence end starts generation
    send(s, MURF.barge_in(a))
    assert slot.state is SlotState.CLOSING
    s.apply(FrameReceived(murf.encode_server(Final(a))))
    assert not slot.occupied


def test_murf_audio_before_any_sentence_end_measures_ttfa_from_the_opening(frozen_clock):
    # Murf generates after max_buffer_delay_in_ms without a sentence end or `end`: the audio
    # precedes every client trigger, so TTFA counts from the turn's first frame, not from 0.
    s = session(frozen_clock, Dialect.MURF)
    a = s.new_context_id()
    send(s, *MURF.text(a, "Sure, ", False))
    frozen_clock.advance(0.35)
    s.apply(FrameReceived(murf.encode_server(Audio(b"\x01" * 3200, a))))
    frozen_clock.advance(0.4)
    send(s, *MURF.text(a, "when? ", False))  # the sentence end comes later
    assert s.slot_for(a).metrics.ttfa == pytest.approx(0.35)


def test_speaker_progress_updates_heard_seconds(frozen_clock):
    s = session(frozen_clock)
    cid = open_turn(s)
    s.apply(audio(cid, 32000))
    s.apply(SpeakerProgress(cid, 8000, 16000))
    assert s.slot_for(cid).metrics.heard_seconds == pytest.approx(0.5)
    assert s.transcript.turn(cid).heard_seconds == pytest.approx(0.5)


def test_a_status_update_sets_the_strip_and_a_misspelt_field_is_refused_where_it_is_written(frozen_clock):
    s = session(frozen_clock)
    s.apply(StatusUpdate({"audio_backend": "miniaudio", "output_latency": 0.02}))
    assert (s.status.audio_backend, s.status.output_latency) == ("miniaudio", 0.02)
    with pytest.raises(ValueError, match="'audio_backnd'"):
        StatusUpdate({"audio_backnd": "none"})
    assert s.status.audio_backend == "miniaudio"


# ---- fuzz: arbitrary server frames never raise ----------------------------------------------------

from hypothesis import (  # noqa: E402
    HealthCheck,
    given,
    settings,
    strategies as st,  # noqa: E402
)

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2**40) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_keys = st.sampled_from(
    [
        "audio",
        "isFinal",
        "is_final",
        "final",
        "contextId",
        "context_id",
        "error",
        "message",
        "code",
        "alignment",
        "normalizedAlignment",
        "flush_done",
        "type",
    ]
)
_frames = st.dictionaries(_keys, _json_values | st.sampled_from(["turn_1", "AAAA", True, 1008]), max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(objs=st.lists(_frames, min_size=1, max_size=8), dialect=st.sampled_from(list(Dialect)))
def test_apply_never_raises_on_generated_server_frames(frozen_clock, objs, dialect):
    import json as _json

    s = session(frozen_clock, dialect)
    wire = EL if dialect is Dialect.ELEVENLABS else MURF if dialect is Dialect.MURF else Wire(dialect)
    cid = None if dialect is Dialect.ELEVENLABS_SINGLE else s.new_context_id()
    send(s, *(wire.open(cid) + wire.text(cid, "Hello. ", True)))
    for obj in objs:
        s.apply(FrameReceived(_json.dumps(obj)))
        s.apply(Tick())
    assert s.occupied_count() <= 5


def test_a_key_typed_into_a_raw_frame_never_reaches_the_log(frozen_clock):
    from tui.protocol.secret import Secret

    key = "sk_live_0123456789abcdef"
    s = Session(Dialect.ELEVENLABS, PCM, clock=frozen_clock, secrets=[Secret(key)])
    s.apply(Connected("ws://test"))
    send(s, f'{{"text":" ","context_id":"a","xi_api_key":"{key}"}}')
    s.apply(FrameReceived(f'{{"message":"bad key {key}","error":"invalid_api_key","code":1008}}'))
    assert all(key not in e.summary for e in s.log)
    assert [("***" in e.summary) for e in s.log if e.direction != "note"] == [True, True]
