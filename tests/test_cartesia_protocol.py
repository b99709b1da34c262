"""Cartesia codec (tui/protocol/cartesia.py): frames both ways, every spelling of §2.2–§2.3."""

from __future__ import annotations

import json
from array import array

from tui.protocol import cartesia as ca
from tui.protocol.dialect import Dialect
from tui.protocol.formats import AudioFormat, f32_to_pcm16, from_pcm16, pcm16_to_f32, to_pcm16
from tui.protocol.frames import Audio, DecodeError, ErrorFrame, Final, FlushDone, Unknown, WordTimestamps
from tui.protocol.steps import StepKind

PIPECAT_FIRST = (
    '{"model_id":"sonic-3.5","transcript":"Hello, Sonic! ","voice":{"mode":"id","id":"a0e99841"},'
    '"language":"en","context_id":"happy-monkeys-fly","output_format":{"container":"raw",'
    '"encoding":"pcm_s16le","sample_rate":24000},"add_timestamps":true,"continue":true}'
)


def test_a_pipecat_request_decodes_with_every_field():
    frame = ca.decode_client(PIPECAT_FIRST)
    assert isinstance(frame, ca.Generation)
    assert (frame.context_id, frame.transcript, frame.continue_, frame.flush) == (
        "happy-monkeys-fly",
        "Hello, Sonic! ",
        True,
        False,
    )
    assert frame.output_format == ca.OutputFormat("raw", "pcm_s16le", 24000)
    assert frame.voice == {"mode": "id", "id": "a0e99841"} and frame.add_timestamps and frame.language == "en"


def test_continue_defaults_to_false_so_a_lone_request_ends_its_context():
    frame = ca.decode_client('{"context_id":"c","transcript":"Hi.","model_id":"m"}')
    assert isinstance(frame, ca.Generation) and frame.continue_ is False
    assert ca.client_step(frame).kind is StepKind.TEXT and ca.client_step(frame).close


def test_client_steps_for_end_flush_cancel_and_text():
    end = ca.decode_client('{"context_id":"c","transcript":"","continue":false}')
    flush = ca.decode_client('{"context_id":"c","transcript":"","continue":true,"flush":true}')
    cancel = ca.decode_client('{"context_id":"c","cancel":true}')
    text = ca.decode_client('{"context_id":"c","transcript":"a ","continue":true}')
    assert ca.client_step(end).kind is StepKind.CLOSE
    assert ca.client_step(flush).kind is StepKind.FLUSH
    assert ca.client_step(cancel).kind is StepKind.CANCEL and ca.client_step(cancel).context_id == "c"
    step = ca.client_step(text)
    assert (step.kind, step.text, step.close) == (StepKind.TEXT, "a ", False)
    assert Dialect.CARTESIA.client_step(cancel) == ca.client_step(cancel)
    assert Dialect.CARTESIA.max_contexts is None


def test_encode_client_is_canonical_and_round_trips():
    frame = ca.Generation(
        "c1",
        "Hello ",
        "sonic-3",
        ca.voice_by_id("v"),
        ca.OutputFormat(),
        True,
        False,
        "en",
        True,
        max_buffer_delay_ms=0,
    )
    text = ca.encode_client(frame)
    assert json.loads(text)["continue"] is True and json.loads(text)["max_buffer_delay_ms"] == 0
    assert ca.decode_client(text) == frame
    assert ca.encode_client(ca.Cancel("c1")) == '{"context_id":"c1","cancel":true}'


def test_malformed_client_frames_are_decode_errors():
    for raw in (
        "nope",
        "[]",
        '{"transcript":"no id"}',
        '{"context_id":3}',
        '{"context_id":"c","continue":"yes"}',
        '{"context_id":"c","voice":{"mode":"id","id":5}}',
        '{"context_id":"c","output_format":{"encoding":"pcm_s16le","sample_rate":"fast"}}',
        '{"context_id":"c","max_buffer_delay_ms":6000}',
        '{"context_id":"c","transcript":7}',
    ):
        assert isinstance(ca.decode_client(raw), DecodeError), raw


def test_output_formats_map_to_audio_formats_and_refuse_the_rest():
    assert ca.OutputFormat("raw", "pcm_f32le", 44100).audio_format() == AudioFormat("f32", 44100)
    assert ca.OutputFormat("raw", "pcm_mulaw", 8000).audio_format() == AudioFormat("ulaw", 8000)
    assert isinstance(ca.OutputFormat("mp3", "pcm_s16le", 24000).audio_format(), DecodeError)
    assert isinstance(ca.OutputFormat("raw", "pcm_s16le", 32000).audio_format(), DecodeError)
    assert ca.output_format_of(AudioFormat("alaw", 8000)) == ca.OutputFormat("raw", "pcm_alaw", 8000)


def test_f32_round_trips_every_s16_sample_and_clips_overshoot():
    samples = array("h", range(-32768, 32768, 7))
    pcm = samples.tobytes()
    fmt = AudioFormat("f32", 24000)
    assert fmt.bytes_per_sample == 4 and fmt.playable and fmt.seconds(96000) == 1.0
    assert to_pcm16(fmt, from_pcm16(fmt, pcm)) == pcm
    assert f32_to_pcm16(array("f", [2.0, -3.0, float("nan")]).tobytes()) == array("h", [32767, -32768, 0]).tobytes()
    assert len(pcm16_to_f32(b"\x01\x00\x02")) == 4  # a trailing half sample is dropped


def test_a_chunk_with_words_becomes_two_frames_each_with_type_and_context():
    words = WordTimestamps(("Hello", "world"), (0.0, 0.5), (0.4, 0.9))
    frames = ca.encode_chunk(Audio(b"\x00\x01", "c", words=words), step_time=12.5, flush_id=1)
    chunk, stamps = (json.loads(f) for f in frames)
    assert chunk["type"] == "chunk" and chunk["flush_id"] == 1 and chunk["step_time"] == 12.5 and not chunk["done"]
    assert stamps["type"] == "timestamps" and stamps["word_timestamps"]["words"] == ["Hello", "world"]
    assert all(f["context_id"] == "c" for f in (chunk, stamps))
    decoded = [ca.decode_server(f) for f in frames]
    assert decoded[0] == Audio(b"\x00\x01", "c")
    assert decoded[1] == Audio(b"", "c", words=words)


def test_done_flush_done_and_error_frames():
    done = json.loads(ca.encode_server(Final("c")))
    assert done == {"type": "done", "done": True, "status_code": 206, "context_id": "c"}
    flush = json.loads(ca.encode_server(FlushDone("c", 2)))
    assert flush["type"] == "flush_done" and flush["flush_id"] == 2 and flush["flush_done"] is True
    assert ca.decode_server(ca.encode_server(FlushDone("c", 2))) == FlushDone("c", 2)
    assert ca.decode_server(ca.encode_server(Final("c"))) == Final("c")
    error = ca.error_event("You have exceeded your plan's concurrency limit.", "concurrency_limited", 429, "c")
    obj = json.loads(ca.encode_server(error))
    assert obj["type"] == "error" and obj["done"] is True and obj["status_code"] == 429
    assert obj["title"] == "Too many concurrent requests" and obj["error"] == obj["message"]
    back = ca.decode_server(ca.encode_server(error))
    assert isinstance(back, ErrorFrame) and (back.code, back.error, back.context_id) == (
        429,
        "concurrency_limited",
        "c",
    )


def test_older_and_livekit_observed_shapes_decode():
    old_error = (
        '{"type":"error","context_id":"49c","status_code":400,"done":true,'
        '"error":"transcript empty or contains only punctuation"}'
    )
    event = ca.decode_server(old_error)
    assert isinstance(event, ErrorFrame) and event.message.startswith("transcript empty") and event.code == 400
    flush_with_data = '{"type":"flush_done","data":"","done":false,"flush_done":true,"flush_id":2,"context_id":"x"}'
    assert ca.decode_server(flush_with_data) == FlushDone("x", 2)
    untyped = '{"data":"AAA=","context_id":"x","done":false}'
    assert ca.decode_server(untyped) == Audio(b"\x00\x00", "x")
    phonemes = ca.encode_phonemes("x", WordTimestamps(("h",), (0.1,), (0.2,)))
    assert isinstance(ca.decode_server(phonemes), Unknown)


def test_malformed_server_frames_are_decode_errors():
    for raw in (
        "{",
        '{"type":"chunk","data":"***","context_id":"c"}',
        '{"type":"timestamps","context_id":"c","word_timestamps":{"words":["a"],"start":[0],"end":[]}}',
        '{"type":"flush_done","flush_id":"one","context_id":"c"}',
        '{"type":"done","done":"yes","context_id":"c"}',
        '{"context_id":1}',
    ):
        assert isinstance(ca.decode_server(raw), DecodeError), raw
