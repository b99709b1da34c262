"""The Text-to-Dialogue codec (tui/protocol/dialogue.py): frames both ways, as §3 of
PROTOCOL-DIALECTS.md shows them and as pipecat parses them."""

from __future__ import annotations

import base64
import json

import pytest

from tui.protocol import dialogue as ttd
from tui.protocol.dialect import Dialect
from tui.protocol.frames import Alignment, Audio, DecodeError, ErrorFrame, Final, FlushDone, TurnAudioDone, Unknown
from tui.protocol.secret import Secret
from tui.protocol.steps import StepKind
from tui.protocol.urls import dialogue_url, redact_url


def test_a_context_opens_with_its_voices_and_settings_only():
    frame = ttd.decode_client('{"context_id":"turn-1","voices":["A","B"],"voice_settings":{"stability":0.5}}')
    assert frame == ttd.OpenContext("turn-1", ttd.ContextSetup(("A", "B"), {"stability": 0.5}))
    assert json.loads(ttd.encode_client(frame)) == {
        "context_id": "turn-1",
        "voices": ["A", "B"],
        "voice_settings": {"stability": 0.5},
    }


def test_inputs_carry_each_speaker_and_new_turn():
    raw = '{"context_id":"c","inputs":[{"text":"Hi. ","voice_id":"A","new_turn":true},{"text":"Yo. ","voice_id":"B"}]}'
    frame = ttd.decode_client(raw)
    assert frame == ttd.SendInputs("c", (ttd.DialogueInput("Hi. ", "A", True), ttd.DialogueInput("Yo. ", "B", False)))
    assert ttd.decode_client(ttd.encode_client(frame)) == frame


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"context_id":"c","flush":true}', ttd.Flush("c")),
        ('{"context_id":"c","keep_alive":true}', ttd.KeepAlive("c")),
        ('{"context_id":"c","close_context":true}', ttd.CloseContext("c")),
        ('{"close_socket":true}', ttd.CloseSocket()),
        ('{"contextId":"c","flush":true}', ttd.Flush("c")),  # tolerated spelling
    ],
)
def test_every_op_round_trips(raw, expected):
    frame = ttd.decode_client(raw)
    assert frame == expected
    assert ttd.decode_client(ttd.encode_client(frame)) == frame


def test_first_message_fields_riding_on_a_later_op_are_kept_so_the_server_can_refuse_them():
    frame = ttd.decode_client('{"context_id":"c","voices":["A"],"inputs":[{"text":"x","voice_id":"A"}]}')
    assert isinstance(frame, ttd.SendInputs) and frame.setup == ttd.ContextSetup(("A",))
    flush = ttd.decode_client('{"context_id":"c","flush":true,"voice_settings":{"stability":1}}')
    assert isinstance(flush, ttd.Flush) and flush.setup is not None


def test_a_credential_in_the_body_is_a_secret_and_reencodes_as_xi_api_key():
    frame = ttd.decode_client('{"context_id":"c","voices":["A"],"authorization":"Bearer k3y"}')
    assert isinstance(frame, ttd.OpenContext) and frame.setup.api_key == Secret("k3y")
    assert "k3y" not in repr(frame)
    assert json.loads(ttd.encode_client(frame))["xi_api_key"] == "k3y"
    token = ttd.decode_client('{"context_id":"c","voices":["A"],"single_use_token":"t0k"}')
    assert isinstance(token, ttd.OpenContext) and token.setup.api_key == Secret("t0k")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ('{"flush":true}', "context_id is required"),
        ('{"context_id":"c"}', "none of voices"),
        ('{"context_id":"c","voices":[]}', "voices must be a non-empty list"),
        ('{"context_id":"c","voices":"A"}', "voices must be a non-empty list"),
        ('{"context_id":"c","inputs":[]}', "inputs must be a non-empty list"),
        ('{"context_id":"c","inputs":[{"text":"x"}]}', "voice_id"),
        ('{"context_id":"c","inputs":[{"text":3,"voice_id":"A"}]}', "text must be a string"),
        ('{"context_id":"c","inputs":[{"text":"x","voice_id":"A","new_turn":"yes"}]}', "new_turn"),
        ('{"context_id":"c","flush":1}', "flush must be true or false"),
        ('{"context_id":7,"flush":true}', "context_id must be a string"),
        ('{"context_id":"c","voices":["A"],"voice_settings":{"stability":2}}', "stability"),
        ("[1]", "expected a JSON object"),
        ("not json", "not JSON"),
    ],
)
def test_malformed_client_frames_are_decode_errors_that_say_why(raw, reason):
    result = ttd.decode_client(raw)
    assert isinstance(result, DecodeError)
    assert reason in result.reason


def test_client_steps_say_what_each_frame_does():
    assert ttd.client_step(ttd.OpenContext("c", ttd.ContextSetup(("A",)))).kind is StepKind.OPEN
    step = ttd.client_step(ttd.SendInputs("c", (ttd.DialogueInput("Hello ", "B"),)))
    assert (step.kind, step.context_id, step.text, step.speaker) == (StepKind.TEXT, "c", "Hello ", "B")
    assert ttd.client_step(ttd.Flush("c")).kind is StepKind.FLUSH
    assert ttd.client_step(ttd.KeepAlive("c")).kind is StepKind.KEEP_ALIVE
    assert ttd.client_step(ttd.CloseContext("c")).kind is StepKind.CLOSE
    assert ttd.client_step(ttd.CloseSocket()).kind is StepKind.CLOSE_SOCKET
    assert Dialect.ELEVENLABS_DIALOGUE.client_step(ttd.Flush("c")).kind is StepKind.FLUSH
    assert Dialect.ELEVENLABS_DIALOGUE.max_contexts == 5


def test_audio_frames_carry_snake_case_alignment_in_ms_and_the_context():
    alignment = Alignment(("H", "i"), (0, 50), (50, 60))
    frame = json.loads(ttd.encode_server(Audio(b"\x01\x02", "c", alignment)))
    assert frame == {
        "audio": base64.b64encode(b"\x01\x02").decode(),
        "alignment": {"chars": ["H", "i"], "char_start_times_ms": [0, 50], "char_durations_ms": [50, 60]},
        "context_id": "c",
    }
    assert ttd.decode_server(json.dumps(frame)) == Audio(b"\x01\x02", "c", alignment)


def test_markers_are_never_combined_with_audio():
    assert json.loads(ttd.encode_server(TurnAudioDone("c"))) == {"is_final_audio_for_turn": True, "context_id": "c"}
    # the runtime's flush marker is this dialect's is_final_audio_for_turn
    assert ttd.encode_server(FlushDone("c")) == ttd.encode_server(TurnAudioDone("c"))
    assert json.loads(ttd.encode_server(Final("c"))) == {"is_final": True, "context_id": "c"}
    frames = ttd.encode_server(Audio(b"\x00\x00", "c", None, None, is_final=True))
    assert isinstance(frames, list) and [("audio" in json.loads(f), "is_final" in json.loads(f)) for f in frames] == [
        (True, False),
        (False, True),
    ]
    assert ttd.decode_server('{"is_final_audio_for_turn":true,"context_id":"c"}') == TurnAudioDone("c")
    assert ttd.decode_server('{"is_final":true,"context_id":"c"}') == Final("c")


def test_error_frames_decode_with_their_close_code():
    raw = ttd.encode_server(ErrorFrame(ttd.MAX_CONTEXTS_MESSAGE, "max_active_conversations", 1008))
    event = ttd.decode_server(raw)
    assert isinstance(event, ErrorFrame)
    assert (event.message, event.error, event.code) == (ttd.MAX_CONTEXTS_MESSAGE, "max_active_conversations", 1008)


@pytest.mark.parametrize(
    "raw",
    [
        '{"audio":"!!","context_id":"c"}',
        '{"audio":"AAAA","alignment":{"chars":["a"],"char_start_times_ms":[0]},"context_id":"c"}',
        '{"is_final":"yes","context_id":"c"}',
        '{"context_id":5}',
    ],
)
def test_malformed_server_frames_are_decode_errors(raw):
    assert isinstance(ttd.decode_server(raw), DecodeError)


def test_an_unknown_frame_is_shown_not_fatal():
    assert ttd.decode_server('{"context_id":"c","something":1}') == Unknown({"context_id": "c", "something": 1}, "c")


def test_the_url_has_no_voice_in_its_path_and_single_use_tokens_are_redacted():
    url = dialogue_url("wss://api.elevenlabs.io/", model_id="eleven_v3", output_format="pcm_24000", sync_alignment=True)
    assert url == (
        "wss://api.elevenlabs.io/v1/text-to-dialogue/multi-stream-input"
        "?model_id=eleven_v3&output_format=pcm_24000&sync_alignment=true"
    )
    assert "s3cret" not in redact_url(dialogue_url(single_use_token="s3cret"))
