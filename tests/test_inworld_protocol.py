"""Inworld codec (tui.protocol.inworld): both op spellings, the result envelope, timestamps,
RIFF-headed LINEAR16 chunks, errors as values, and what each client frame does to its context."""

from __future__ import annotations

import base64
import json
import struct

from tui.protocol import inworld as iw
from tui.protocol.dialect import Dialect
from tui.protocol.frames import Audio, ContextOpened, DecodeError, ErrorFrame, Final, FlushDone, Unknown, WordTimestamps
from tui.protocol.secret import Secret
from tui.protocol.steps import StepKind
from tui.protocol.urls import auth_headers, check_auth, inworld_url

CREATE = {
    "create": {
        "voiceId": "Ashley",
        "modelId": "inworld-tts-2",
        "audioConfig": {"audioEncoding": "PCM", "sampleRateHertz": 24000, "bitrate": 64000, "speakingRate": 1.0},
        "temperature": 1.0,
        "autoMode": True,
        "maxBufferDelayMs": 3000,
        "bufferCharThreshold": 250,
        "timestampType": "WORD",
        "timestampTransportStrategy": "ASYNC",
        "deliveryMode": "BALANCED",
    },
    "contextId": "ctx-1",
}


def test_create_decodes_with_every_setting_and_keeps_unknown_fields():
    frame = iw.decode_client(json.dumps(CREATE))
    assert isinstance(frame, iw.Create) and frame.context_id == "ctx-1"
    config = frame.config
    assert (config.voice_id, config.model_id, config.auto_mode, config.buffer_char_threshold) == (
        "Ashley",
        "inworld-tts-2",
        True,
        250,
    )
    assert config.audio == iw.AudioConfig("PCM", 24000, 64000, 1.0)
    assert config.timestamp_transport == "ASYNC" and config.extra == {"deliveryMode": "BALANCED"}
    assert json.loads(iw.encode_client(frame)) == CREATE  # canonical: what the clients send


def test_both_op_spellings_and_both_id_keys_decode_alike():
    pairs = [
        ({"send_text": {"text": "Hi. "}, "contextId": "c"}, {"sendText": {"text": "Hi. "}, "context_id": "c"}),
        ({"flush_context": {}, "contextId": "c"}, {"flushContext": {}, "contextId": "c"}),
        ({"close_context": {}, "contextId": "c"}, {"closeContext": {}, "contextId": "c"}),
        ({"cancel_context": {}, "contextId": "c"}, {"cancelContext": {}, "contextId": "c"}),
        (
            {"update_config": {"voiceId": "Dennis"}, "contextId": "c"},
            {"updateConfig": {"voiceId": "Dennis"}, "contextId": "c"},
        ),
    ]
    for snake, camel in pairs:
        assert iw.decode_client(json.dumps(snake)) == iw.decode_client(json.dumps(camel))
        assert not isinstance(iw.decode_client(json.dumps(snake)), DecodeError)


def test_send_text_with_embedded_flush_and_the_keep_alives():
    frame = iw.decode_client('{"send_text":{"text":"Hello.","flush_context":{}},"contextId":"c"}')
    assert frame == iw.SendText("Hello.", "c", flush=True)
    assert iw.decode_client('{"send_text":{"text":""},"contextId":"c"}') == iw.KeepAlive("c")
    assert iw.decode_client('{"send_text":{"text":""}}') == iw.KeepAlive(None)
    assert json.loads(iw.encode_client(iw.KeepAlive(None))) == {"send_text": {"text": ""}}


def test_malformed_client_frames_are_decode_errors_with_a_reason():
    for bad in (
        "not json",
        "[1]",
        "{}",
        '{"send_text":{"text":1},"contextId":"c"}',
        '{"send_text":{"text":"a"},"close_context":{},"contextId":"c"}',
        '{"create":{"voiceId":"A"},"contextId":"c"}',
        '{"create":{"voiceId":"A","modelId":"m","audioConfig":{"audioEncoding":"WAVE"}},"contextId":"c"}',
        '{"create":{"voiceId":"A","modelId":"m","audioConfig":{"sampleRateHertz":96000}},"contextId":"c"}',
        '{"create":{"voiceId":"A","modelId":"m","temperature":3},"contextId":"c"}',
        '{"close_context":{},"contextId":7}',
        '{"flush_context":[],"contextId":"c"}',
    ):
        result = iw.decode_client(bad)
        assert isinstance(result, DecodeError) and result.reason, bad


def test_client_steps_say_what_each_op_does():
    step = Dialect.INWORLD.client_step
    assert step(iw.decode_client(json.dumps(CREATE))).kind is StepKind.OPEN
    text = step(iw.SendText("Hi.", "c", flush=True))
    assert (text.kind, text.text, text.flush) == (StepKind.TEXT, "Hi.", True)
    assert step(iw.FlushContext("c")).kind is StepKind.FLUSH
    assert step(iw.CloseContext("c")).kind is StepKind.CLOSE
    assert step(iw.CancelContext("c")).kind is StepKind.CANCEL
    assert step(iw.KeepAlive("c")).kind is StepKind.KEEP_ALIVE
    assert step(iw.KeepAlive(None)).kind is StepKind.NONE
    assert step(iw.UpdateConfig(iw.ContextConfig(voice_id="D"), "c")).kind is StepKind.CONFIG
    assert Dialect.INWORLD.max_contexts == 5 and Dialect("inworld") is Dialect.INWORLD


def _result(body: dict) -> str:
    return json.dumps({"result": {**body, "status": {"code": 0, "message": "", "details": []}}})


def test_server_events_decode_from_the_result_envelope():
    decode = Dialect.INWORLD.decode_server
    created = decode(_result({"contextId": "c", "contextCreated": {"voiceId": "Dennis"}}))
    assert created == ContextOpened("c") and created.raw == {"voiceId": "Dennis"}
    assert decode(_result({"contextId": "c", "flushCompleted": {}})) == FlushDone("c")
    assert decode(_result({"context_id": "c", "contextClosed": {}})) == Final("c")
    audio = decode(
        _result(
            {
                "contextId": "c",
                "audioChunk": {
                    "audioContent": base64.b64encode(b"\x01\x00\x02\x00").decode(),
                    "timestampInfo": {
                        "wordAlignment": {
                            "words": ["Hi,", "you"],
                            "wordStartTimeSeconds": [0, 0.4],
                            "wordEndTimeSeconds": [0.35, 0.8],
                        }
                    },
                },
            }
        )
    )
    assert audio == Audio(
        b"\x01\x00\x02\x00", "c", words=WordTimestamps(("Hi,", "you"), (0.0, 0.4), (0.35, 0.8), "synthesis")
    )
    trailing = decode(
        _result(
            {
                "contextId": "c",
                "audioChunk": {
                    "timestampInfo": {
                        "characterAlignment": {
                            "characters": ["a"],
                            "characterStartTimeSeconds": [0.1],
                            "characterEndTimeSeconds": [0.2],
                        }
                    }
                },
            }
        )
    )
    assert isinstance(trailing, Audio) and trailing.audio == b"" and trailing.words.words == ("a",)
    assert isinstance(decode(_result({"contextId": "c", "contextUpdated": {}})), Unknown)


def test_errors_in_status_and_at_top_level():
    decode = Dialect.INWORLD.decode_server
    status = json.dumps({"result": {"contextId": "c9", "status": {"code": 5, "message": "Context c9 not found"}}})
    assert decode(status) == ErrorFrame("Context c9 not found", code=5, context_id="c9")
    top = decode('{"error":{"code":3,"message":"bad","details":[]}}')
    assert top == ErrorFrame("bad", code=3)
    for bad in (
        '{"result": 3}',
        '{"result":{"status":"x"}}',
        '{"result":{"audioChunk":{"audioContent":"**"}}}',
        '{"result":{"audioChunk":{"timestampInfo":{"wordAlignment":{"words":["a"],"wordStartTimeSeconds":[]}}}}}',
    ):
        assert isinstance(decode(bad), DecodeError), bad


def test_a_linear16_chunk_loses_its_riff_header_whatever_its_sizes_say():
    pcm = struct.pack("<4h", 1, -2, 3, -4)
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + len(pcm))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
        + b"data"
        + struct.pack("<I", len(pcm))
    )
    frame = _result({"contextId": "c", "audioChunk": {"audioContent": base64.b64encode(header + pcm).decode()}})
    assert iw.decode_server(frame) == Audio(pcm, "c")


def test_server_encoding_round_trips_one_event_per_frame():
    words = WordTimestamps(("Hi",), (0.0,), (0.3,), "synthesis")
    for event in (
        Audio(b"\x00\x01", "c"),
        Audio(b"", "c", words=words),
        Audio(b"\x00\x01", "c", words=words),
        FlushDone("c"),
        Final("c"),
        ErrorFrame("Context x not found during sendText", code=5, context_id="x"),
    ):
        text = iw.encode_server(event)
        obj = json.loads(text)
        assert set(obj) == {"result"} and obj["result"]["status"]["code"] == (
            event.code if isinstance(event, ErrorFrame) else 0
        )
        assert iw.decode_server(text) == event
    assert "audioContent" not in iw.encode_server(Audio(b"", "c", words=words))


def test_url_and_basic_auth_header():
    assert inworld_url() == "wss://api.inworld.ai/tts/v1/voice:streamBidirectional"
    assert inworld_url("ws://127.0.0.1:9/") == "ws://127.0.0.1:9/tts/v1/voice:streamBidirectional"
    assert auth_headers("inworld", Secret("a2V5OnNlY3JldA==")) == {"Authorization": "Basic a2V5OnNlY3JldA=="}
    try:
        check_auth("body", "inworld")
    except ValueError as error:
        assert "handshake" in str(error)
    else:
        raise AssertionError("body auth accepted for Inworld")
