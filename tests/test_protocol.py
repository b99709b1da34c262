"""The codecs: canonical encoding, tolerant decoding, errors as values (PROTOCOL.md §1.2–§2.3)."""

import base64
import json

import pytest

from tui.protocol import elevenlabs as el, murf, stream_input
from tui.protocol.dialect import Dialect
from tui.protocol.formats import (
    AudioFormat,
    alaw_decode,
    alaw_encode,
    from_pcm16,
    murf_format,
    parse_output_format,
    to_pcm16,
    ulaw_decode,
    ulaw_encode,
)
from tui.protocol.frames import Alignment, Audio, DecodeError, ErrorFrame, Final, FlushDone, Unknown
from tui.protocol.secret import Secret
from tui.protocol.urls import auth_headers, elevenlabs_url, murf_url, redact_text, redact_url

# ---- ElevenLabs client frames ------------------------------------------------------------

OPENING = el.SendText(
    " ",
    "turn_1",
    settings=el.ContextSettings(
        {"stability": 0.5, "similarity_boost": 0.75, "style": 0, "use_speaker_boost": True, "speed": 1.0},
        {"chunk_length_schedule": [120, 160, 250, 290]},
    ),
)


@pytest.mark.parametrize(
    "frame",
    [
        OPENING,
        el.SendText("Sure, when would you like to travel? ", "turn_1"),
        el.SendText("Next Friday. ", "turn_1", flush=True),
        el.Flush("turn_1"),
        el.KeepAlive("turn_1"),
        el.CloseContext("turn_1"),
        el.CloseSocket(),
        el.SendText("no context ", None),
    ],
)
def test_elevenlabs_client_frames_round_trip(frame):
    assert el.decode_client(el.encode_client(frame)) == frame


def test_elevenlabs_client_frames_use_snake_case_context_id():
    assert json.loads(el.encode_client(el.Flush("t"))) == {"context_id": "t", "flush": True}
    assert json.loads(el.encode_client(el.KeepAlive("t"))) == {"text": "", "context_id": "t"}
    assert json.loads(el.encode_client(el.CloseContext("t"))) == {"context_id": "t", "close_context": True}


def test_empty_text_with_flush_is_a_flush_not_end_of_stream():
    # LiveKit ends its turns this way.
    assert el.decode_client('{"text": "", "flush": true, "context_id": "a"}') == el.Flush("a")


def test_empty_text_without_context_is_a_keep_alive_for_the_default_context():
    # pipecat sends this every 10 s.
    assert el.decode_client('{"text": ""}') == el.KeepAlive(None)


def test_camel_case_context_id_is_accepted_from_clients():
    assert el.decode_client('{"text": "hi ", "contextId": "x"}') == el.SendText("hi ", "x")


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        ('{"text": 5}', "text"),
        ('{"text": "a", "context_id": 3}', "context_id"),
        ('{"flush": "yes"}', "flush"),
        ('{"text": " ", "voice_settings": {"stability": 2}}', "stability"),
        ('{"text": " ", "voice_settings": {"speed": 0.5}}', "speed"),
        ('{"text": " ", "generation_config": {"chunk_length_schedule": [10]}}', "chunk_length_schedule"),
        ('{"unrelated": 1}', "none of"),
        (b"\xff\xfe", "UTF-8"),
    ],
)
def test_elevenlabs_bad_client_frames_are_decode_errors(raw, fragment):
    result = el.decode_client(raw)
    assert isinstance(result, DecodeError)
    assert fragment in result.reason


def test_api_key_in_a_first_message_is_a_secret():
    frame = el.decode_client('{"text": " ", "context_id": "a", "xi_api_key": "sk_abc"}')
    assert frame.xi_api_key == Secret("sk_abc")
    assert "sk_abc" not in repr(frame)


# ---- ElevenLabs server frames ------------------------------------------------------------

ALIGN = Alignment(("H", "i"), (0, 70), (70, 90))


def test_audio_frames_are_sent_with_camel_case_context_and_both_alignments():
    obj = json.loads(el.encode_server(Audio(b"\x01\x02", "t", ALIGN, ALIGN)))
    assert obj["contextId"] == "t" and obj["isFinal"] is False
    assert obj["alignment"] == {"chars": ["H", "i"], "charStartTimesMs": [0, 70], "charDurationsMs": [70, 90]}
    assert obj["normalizedAlignment"] == obj["alignment"]


def test_final_frame_has_no_audio():
    assert json.loads(el.encode_server(Final("t"))) == {"isFinal": True, "contextId": "t"}


@pytest.mark.parametrize(
    "raw",
    [
        '{"isFinal": true, "contextId": "t"}',
        '{"is_final": true, "context_id": "t"}',
        '{"isFinal": true, "contextId": "t", "audio": null}',
        '{"isFinal": true, "contextId": "t", "audio": ""}',
    ],
)
def test_every_spelling_of_final_is_accepted(raw):
    assert el.decode_server(raw) == Final("t")


def test_alignment_spellings_seen_live_are_accepted():
    raw = json.dumps(
        {
            "audio": base64.b64encode(b"ab").decode(),
            "isFinal": False,
            "context_id": "t",
            "alignment": {"chars": ["H", "i"], "charsStartTimesMs": [0, 70], "charsDurationsMs": [70, 90]},
        }
    )
    assert el.decode_server(raw) == Audio(b"ab", "t", ALIGN, None)


def test_audio_inside_a_final_frame_is_kept_and_marked():
    raw = json.dumps({"audio": base64.b64encode(b"zz").decode(), "isFinal": True, "contextId": "t"})
    assert el.decode_server(raw) == Audio(b"zz", "t", None, None, is_final=True)


def test_error_frames_with_and_without_context_id():
    cap = el.decode_server(el.encode_server(ErrorFrame(el.MAX_CONTEXTS_MESSAGE, "max_active_conversations", 1008)))
    assert (cap.error, cap.code, cap.context_id) == ("max_active_conversations", 1008, None)
    voice = el.decode_server(json.dumps({"message": el.VOICE_SETTINGS_MESSAGE, "code": 1008}))
    assert isinstance(voice, ErrorFrame) and voice.code == 1008 and voice.message == el.VOICE_SETTINGS_MESSAGE
    scoped = el.decode_server('{"error": "x", "message": "m", "contextId": "c"}')
    assert scoped.context_id == "c"


def test_flush_done_and_unknown_frames_are_events_not_errors():
    assert el.decode_server('{"type": "flush_done", "context_id": "a", "flush_done": true}') == FlushDone("a")
    assert el.decode_server('{"something": "new"}') == Unknown({"something": "new"})


@pytest.mark.parametrize(
    "raw",
    [
        '{"audio": "***", "isFinal": false}',
        '{"audio": 12}',
        '{"audio": "AAAA", "alignment": {"chars": ["a"], "charStartTimesMs": [], "charDurationsMs": [1]}}',
        '{"audio": "AAAA", "alignment": "no"}',
        # JSON as Python reads it admits NaN and Infinity: no integer millisecond for either.
        '{"audio": "AAAA", "alignment": {"chars": ["a"], "charStartTimesMs": [NaN], "charDurationsMs": [1]}}',
        '{"audio": "AAAA", "alignment": {"chars": ["a"], "charStartTimesMs": [0], "charDurationsMs": [Infinity]}}',
        '{"isFinal": "true"}',
        '{"contextId": 5, "isFinal": true}',
    ],
)
def test_malformed_server_frames_are_decode_errors(raw):
    assert isinstance(el.decode_server(raw), DecodeError)


# ---- single-context endpoint ---------------------------------------------------------------


def test_single_context_empty_text_ends_the_stream():
    assert stream_input.decode_client('{"text": ""}') == stream_input.EndOfStream()
    assert stream_input.decode_client('{"text": " "}') == el.SendText(" ")


def test_single_context_server_frames_carry_no_context_id():
    assert json.loads(stream_input.encode_server(Final(None))) == {"isFinal": True}
    assert "contextId" not in json.loads(stream_input.encode_server(Audio(b"a", None)))


def test_single_context_rejects_close_context():
    assert isinstance(stream_input.decode_client('{"close_context": true}'), DecodeError)


# ---- Murf -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        murf.SetVoiceConfig(murf.VoiceConfig("en-US-natalie", "Conversational", 0, 0, "en-US"), "turn_1"),
        murf.BufferSettings(40, 300),
        murf.SendText("Sure, when would you like to travel?", "turn_1"),
        murf.SendText("Hi.", "turn_1", voice_config=murf.VoiceConfig("en-US-natalie")),
        murf.End("turn_1"),
        murf.End("turn_1", buffer=murf.BufferSettings(40, 0)),
        murf.SendText("Hi.", "turn_1", buffer=murf.BufferSettings(160, 1000)),
        murf.Clear("turn_2"),
    ],
)
def test_murf_client_frames_round_trip(frame):
    assert murf.decode_client(murf.encode_client(frame)) == frame


def test_murf_accepts_voice_id_in_camel_case_and_end_without_text():
    frame = murf.decode_client('{"voice_config": {"voiceId": "v"}, "context_id": "a"}')
    assert frame == murf.SetVoiceConfig(murf.VoiceConfig("v"), "a")
    assert murf.decode_client('{"context_id": "a", "end": true}') == murf.End("a")


@pytest.mark.parametrize(
    "raw",
    [
        '{"final": true, "context_id": "t"}',
        '{"is_final": true, "context_id": "t"}',
        '{"isFinal": true, "contextId": "t"}',
    ],
)
def test_murf_final_spellings(raw):
    assert murf.decode_server(raw) == Final("t")


@pytest.mark.parametrize(
    "raw",
    [
        '{"text": "x", "voice_config": {"rate": "fast"}}',
        '{"min_buffer_size": "10"}',
        '{"max_buffer_delay_in_ms": true}',
        '{"clear": 1}',
        "{}",
        '[{"text": "x"}]',
    ],
)
def test_murf_bad_client_frames_are_decode_errors(raw):
    assert isinstance(murf.decode_client(raw), DecodeError)


def test_murf_out_of_range_values_are_clamped_not_refused():
    frame = murf.decode_client('{"text": "x", "voice_config": {"rate": 99, "pitch": -80.4}}')
    assert frame.voice_config.rate == 50 and frame.voice_config.pitch == -50
    assert murf.decode_client('{"min_buffer_size": 3}') == murf.BufferSettings(40, None)
    assert murf.decode_client('{"max_buffer_delay_in_ms": 5000}') == murf.BufferSettings(None, 1000)


def test_murf_buffer_settings_ride_in_text_and_end_frames():
    # LiveKit's Murf plugin: settings inside every text frame and in the end frame (no text).
    assert murf.decode_client(
        '{"text": "Hi.", "context_id": "a", "min_buffer_size": 3, "max_buffer_delay_in_ms": 0}'
    ) == murf.SendText("Hi.", "a", buffer=murf.BufferSettings(40, 0))
    assert murf.decode_client(
        '{"context_id": "a", "end": true, "min_buffer_size": 3, "max_buffer_delay_in_ms": 0}'
    ) == murf.End("a", buffer=murf.BufferSettings(40, 0))


def test_murf_error_frames_are_shown_whole():
    event = murf.decode_server('{"error": "Invalid voice", "detail": {"x": 1}}')
    assert isinstance(event, ErrorFrame) and event.raw["detail"] == {"x": 1}


def test_dialect_table_routes_to_the_right_decoder():
    assert Dialect.MURF.decode_server('{"final": true, "context_id": "a"}') == Final("a")
    assert Dialect.ELEVENLABS.decode_server('{"isFinal": true, "contextId": "a"}') == Final("a")
    assert not Dialect.ELEVENLABS_SINGLE.has_contexts


# ---- formats --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("pcm_8000", AudioFormat("pcm", 8000)),
        ("pcm_48000", AudioFormat("pcm", 48000)),
        ("ulaw_8000", AudioFormat("ulaw", 8000)),
        ("alaw_8000", AudioFormat("alaw", 8000)),
        ("mp3_44100_128", AudioFormat("mp3", 44100, 128)),
    ],
)
def test_output_formats_parse(name, fmt):
    assert parse_output_format(name) == fmt and fmt.name == name


@pytest.mark.parametrize("name", ["pcm_11025", "ulaw_16000", "wav", "pcm_x", ""])
def test_unknown_output_formats_are_decode_errors(name):
    assert isinstance(parse_output_format(name), DecodeError)


def test_murf_format_pairs():
    assert murf_format("PCM", 24000) == AudioFormat("pcm", 24000)
    assert murf_format("ulaw", 8000) == AudioFormat("ulaw", 8000)
    assert isinstance(murf_format("ULAW", 24000), DecodeError)
    assert isinstance(murf_format("PCM", 22050), DecodeError)


def _reference_ulaw(sample: int) -> int:
    # ITU-T G.711 mu-law as in the Sun reference code, written independently of formats.py.
    sign = 0x7F if sample < 0 else 0xFF
    magnitude = min(-(sample >> 2) if sample < 0 else sample >> 2, 8159) + 0x21
    ends = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
    segment = next((i for i, end in enumerate(ends) if magnitude <= end), 8)
    return (0x7F if segment >= 8 else (segment << 4) | ((magnitude >> (segment + 1)) & 0xF)) ^ sign


def test_ulaw_encoding_matches_the_reference_on_every_sample():
    samples = range(-32768, 32768)
    pcm = b"".join(s.to_bytes(2, "little", signed=True) for s in samples)
    assert ulaw_encode(pcm) == bytes(_reference_ulaw(s) for s in samples)


def test_g711_decoding_inverts_encoding_within_quantisation():
    pcm = b"".join(s.to_bytes(2, "little", signed=True) for s in range(-32768, 32768, 7))
    for encode, decode in ((ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)):
        back = decode(encode(pcm))
        for i in range(0, len(pcm), 2):
            a = int.from_bytes(pcm[i : i + 2], "little", signed=True)
            b = int.from_bytes(back[i : i + 2], "little", signed=True)
            assert abs(a - b) <= max(16, abs(a) // 16)


def test_pcm_helpers_dispatch_on_encoding():
    pcm = (1000).to_bytes(2, "little", signed=True) * 4
    for fmt in (AudioFormat("pcm", 16000), AudioFormat("ulaw", 8000), AudioFormat("alaw", 8000)):
        assert len(to_pcm16(fmt, from_pcm16(fmt, pcm))) == len(pcm)
    with pytest.raises(ValueError):
        to_pcm16(AudioFormat("mp3", 44100, 128), b"x")


# ---- URLs and secrets -----------------------------------------------------------------------


def test_urls_are_built_for_each_endpoint():
    assert elevenlabs_url("ws://h:1", "joe", model_id="m", output_format="pcm_16000", inactivity_timeout=30) == (
        "ws://h:1/v1/text-to-speech/joe/multi-stream-input?model_id=m&output_format=pcm_16000&inactivity_timeout=30"
    )
    assert elevenlabs_url("ws://h:1", "joe", multi=False).endswith("/v1/text-to-speech/joe/stream-input")
    assert murf_url("ws://h:1", sample_rate=8000, format="ULAW") == (
        "ws://h:1/v1/speech/stream-input?sample_rate=8000&format=ULAW"
    )


def test_redaction_hides_every_credential():
    url = "wss://u:p@x/v1?api-key=K1&api_key=K2&xi_api_key=K3&authorization=Bearer+K4&format=PCM"
    red = redact_url(url)
    assert not any(k in red for k in ("K1", "K2", "K3", "K4", "u:p"))
    assert "format=PCM" in red
    assert redact_text("key sk_123456 here", [Secret("sk_123456")]) == "key *** here"


def test_secrets_never_render():
    key = Secret("sk_live_value")
    assert "sk_live_value" not in f"{key} {key!r} {key:>20}"
    assert auth_headers("elevenlabs", key) == {"xi-api-key": "sk_live_value"}
    assert auth_headers("murf", key) == {"api-key": "sk_live_value"}
    assert auth_headers("murf", None) == {}
