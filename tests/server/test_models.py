"""The protocol rules on the sans-IO models, without sockets or threads: exact and instant.

Each model takes decoded frames and a clock and answers with actions; these tests play the
runtime's part by hand (finishing generations when they choose), which is how races that are
timing-dependent on a socket become exact here.
"""

from __future__ import annotations

from tui.protocol import elevenlabs as el, murf
from tui.protocol.elevenlabs import CloseContext, CloseSocket, ContextSettings, Flush, KeepAlive, SendText
from tui.protocol.formats import AudioFormat
from tui.protocol.frames import DecodeError
from tui.protocol.stream_input import EndOfStream
from tui.server import ManualClock
from tui.server.actions import CancelPending, CloseSocket as Close, Fail, Generate, SendFinal, SendFlushDone
from tui.server.contexts import MAX_CONTEXTS_ERROR, VOICE_SETTINGS_ERROR, MultiContextConnection
from tui.server.murf_turns import MurfConnection
from tui.server.single_stream import SingleStreamConnection
from tui.server.synthesis import AudioEncoder, Job, SynthesisPool


def generated(actions) -> list[str]:
    return [a.text for a in actions if isinstance(a, Generate)]


def finish_all(model, actions) -> list:
    """Play the runtime: every Generate in `actions` finishes, in order; what the model answers."""
    out = []
    for action in actions:
        if isinstance(action, Generate):
            out += model.generation_finished(action)
    return out


def opened(clock=None, **options) -> MultiContextConnection:
    return MultiContextConnection(clock or ManualClock(), **options)


# ---- ElevenLabs multi-context ----------------------------------------------------------------


def test_text_below_the_first_schedule_size_generates_nothing():
    model = opened()
    assert model.receive(SendText("x" * 118 + " ", "t1")) == []
    assert model.contexts["t1"].buffer == "x" * 118 + " "


def test_each_schedule_size_triggers_one_generation_of_whole_words():
    model = opened()
    settings = ContextSettings(generation_config={"chunk_length_schedule": [50, 80]})
    model.receive(SendText(" ", "t1", settings=settings))
    actions = model.receive(SendText("a" * 30 + " " + "b" * 20 + " tail", "t1"))  # 57 chars
    assert generated(actions) == [" " + "a" * 30 + " " + "b" * 20 + " "]
    assert model.contexts["t1"].buffer == "tail"  # the word may grow
    assert model.receive(SendText("s " + "c" * 60 + " ", "t1")) == []  # 67 < 80
    assert generated(model.receive(SendText("d" * 20 + " ", "t1"))) == ["tails " + "c" * 60 + " " + "d" * 20 + " "]


def test_auto_mode_generates_up_to_the_last_phrase_end():
    model = opened(auto_mode=True)
    assert generated(model.receive(SendText("Hi, there. And", "t1"))) == ["Hi, there. "]
    assert model.contexts["t1"].buffer == "And"


def test_flush_generates_the_buffer_without_a_final_and_no_flush_done_by_default():
    model = opened()
    model.receive(SendText("Hello ", "t1"))
    actions = model.receive(Flush("t1"))
    assert generated(actions) == ["Hello "]
    assert finish_all(model, actions) == []


def test_flush_done_is_answered_only_when_the_server_opts_in():
    model = opened(flush_done=True)
    model.receive(SendText("Hello ", "t1"))
    actions = model.receive(Flush("t1"))
    assert finish_all(model, actions) == [SendFlushDone(model.contexts["t1"])]


def test_closing_contexts_count_toward_the_five_until_their_final_is_sent():
    model = opened()
    for n in range(5):
        model.receive(SendText("Long turn. ", f"t{n}", flush=True))
        assert model.receive(CloseContext(f"t{n}")) == []  # still draining: no final yet
    [fail] = model.receive(SendText(" ", "t5"))
    assert fail == Fail(MAX_CONTEXTS_ERROR) and fail.error.error == "max_active_conversations"


def test_a_drained_context_sends_its_final_and_frees_its_slot():
    model = opened()
    for n in range(5):
        model.receive(SendText(" ", f"t{n}"))
    flush = model.receive(SendText("Bye. ", "t0", flush=True))
    assert model.receive(CloseContext("t0")) == []
    answer = finish_all(model, flush)
    assert [type(a) for a in answer] == [SendFinal]
    assert "t0" not in model.contexts
    assert not any(isinstance(a, Fail) for a in model.receive(SendText(" ", "t5")))


def test_close_context_discards_text_that_was_never_flushed():
    model = opened()
    model.receive(SendText("Buffered only. ", "t1"))
    actions = model.receive(CloseContext("t1"))
    assert [type(a) for a in actions] == [SendFinal]
    assert generated(actions) == []


def test_a_bare_keep_alive_opens_nothing_but_one_naming_an_id_opens_a_phantom():
    model = opened()
    assert model.receive(KeepAlive()) == [] and model.contexts == {}
    assert model.receive(KeepAlive("ghost")) == [] and list(model.contexts) == ["ghost"]


def test_a_keep_alive_that_opened_a_context_makes_its_late_voice_settings_an_error():
    model = opened()
    model.receive(KeepAlive("t1"))
    actions = model.receive(SendText(" ", "t1", settings=ContextSettings(voice_settings={"speed": 1.0})))
    assert actions == [Fail(VOICE_SETTINGS_ERROR)] and VOICE_SETTINGS_ERROR.message == el.VOICE_SETTINGS_MESSAGE


def test_a_later_generation_config_is_accepted_and_its_schedule_applies_from_then_on():
    model = opened()
    model.receive(SendText(" ", "t1", settings=ContextSettings(generation_config={"chunk_length_schedule": [200]})))
    actions = model.receive(
        SendText("x" * 60 + " ", "t1", settings=ContextSettings(generation_config={"chunk_length_schedule": [50]}))
    )
    assert generated(actions) == [" " + "x" * 60 + " "]  # 62 chars: under 200, over the new 50
    assert model.contexts["t1"].schedule == (50,) and not model.done


def test_a_timed_out_context_with_audio_pending_sends_its_final_only_after_it_drains():
    clock = ManualClock()
    model = opened(clock, inactivity_timeout=10)
    flush = model.receive(SendText("Speaking. ", "t1", flush=True))
    model.receive(SendText("Never flushed. ", "t1"))
    clock.advance(10)
    assert model.expire() == []  # closing, but audio still pending
    assert model.contexts["t1"].closing and model.contexts["t1"].buffer == ""
    assert [type(a) for a in finish_all(model, flush)] == [SendFinal]


def test_any_frame_for_a_context_resets_its_deadline_and_the_earliest_deadline_wins():
    clock = ManualClock(0)
    model = opened(clock, inactivity_timeout=20)
    model.receive(SendText(" ", "a"))
    clock.advance(5)
    model.receive(SendText(" ", "b"))
    assert model.next_deadline() == 20
    clock.advance(10)
    model.receive(KeepAlive("a"))
    assert model.next_deadline() == 25
    clock.advance(10)
    assert [a.turn.context_id for a in model.expire()] == ["b"]


def test_an_idle_socket_without_contexts_times_out_with_input_timeout_exceeded():
    clock = ManualClock(0)
    model = opened(clock, inactivity_timeout=20)
    assert model.next_deadline() == 20
    clock.advance(19)
    model.receive(KeepAlive())  # pipecat's keep-alive keeps it open
    clock.advance(19)
    assert model.expire() == []
    clock.advance(1)
    [fail] = model.expire()
    assert fail.error.error == "input_timeout_exceeded" and fail.error.message == el.input_timeout_message(20)


def test_close_socket_closes_only_after_every_final():
    model = opened()
    flushes = model.receive(SendText("A. ", "a", flush=True)) + model.receive(SendText("B. ", "b", flush=True))
    actions = model.receive(CloseSocket())
    assert actions == []
    answers = finish_all(model, flushes)
    assert [type(a) for a in answers] == [SendFinal, SendFinal, Close]
    assert model.receive(SendText("Late. ", "c")) == []


def test_a_bad_frame_fails_the_connection_once_and_later_frames_are_ignored():
    model = opened()
    [fail] = model.receive(DecodeError("text must be a string, got int"))
    assert fail.error.error == "invalid_input_message" and fail.code == 1008
    assert model.receive(SendText("Hi ", "t1", flush=True)) == []


# ---- ElevenLabs single-context ---------------------------------------------------------------


def test_single_stream_end_generates_the_rest_then_final_then_close():
    model = SingleStreamConnection(ManualClock())
    model.receive(SendText(" "))
    model.receive(SendText("Never flushed. "))
    actions = model.receive(EndOfStream())
    assert generated(actions) == [" Never flushed. "]
    assert [type(a) for a in finish_all(model, actions)] == [SendFinal, Close]


# ---- Murf --------------------------------------------------------------------------------------


def test_murf_buffers_until_a_sentence_ends_or_min_buffer_size_accumulates():
    model = MurfConnection(ManualClock())
    assert generated(model.receive(murf.SendText("Hello there. And", "t"))) == ["Hello there. "]
    model.receive(murf.BufferSettings(min_buffer_size=40))
    assert generated(model.receive(murf.SendText(" then some words", "t"))) == []
    assert generated(model.receive(murf.SendText(" without any end at all", "t"))) == [
        "And then some words without any end at ",
    ]
    assert model.turns["t"].buffer == "all"


def test_murf_max_buffer_delay_sends_whatever_waits():
    clock = ManualClock(0)
    model = MurfConnection(clock)
    model.receive(murf.BufferSettings(max_buffer_delay_in_ms=250))
    model.receive(murf.SendText("no end", "t"))
    assert model.next_deadline() == 0.25
    clock.advance(0.25)
    assert generated(model.expire()) == ["no end"]


def test_murf_clear_cancels_pending_synthesis_and_the_final_follows_the_cancelled_work():
    model = MurfConnection(ManualClock())
    actions = model.receive(murf.SendText("Queued sentence. Waiting", "t"))
    cleared = model.receive(murf.Clear("t"))
    assert cleared == [CancelPending(model.turns["t"])]  # no final while work is pending
    assert [type(a) for a in finish_all(model, actions)] == [SendFinal]


def test_murf_rate_in_voice_config_sets_the_turn_speed():
    model = MurfConnection(ManualClock())
    model.receive(murf.SetVoiceConfig(murf.VoiceConfig(voice_id="x", rate=-30)))
    [generate] = model.receive(murf.SendText("Slow. ", "t"))
    assert generate.turn.speed == 0.7


def test_a_job_whose_synthesis_has_not_started_can_be_cancelled_and_one_that_has_cannot(voice_loader):
    pool = SynthesisPool(voice_loader("tone"), workers=1)
    encoder = AudioEncoder(AudioFormat("pcm", 8000), el.encode_server)
    try:
        waiting = Job(MurfConnection(ManualClock()).receive(murf.SendText("One. ", "t"))[0])
        assert waiting.try_cancel() and waiting.step(pool, encoder) is None
        running = Job(MurfConnection(ManualClock()).receive(murf.SendText("One. Two. ", "t"))[0])
        assert running.step(pool, encoder)  # first unit synthesized
        assert not running.try_cancel()
    finally:
        pool.close()
