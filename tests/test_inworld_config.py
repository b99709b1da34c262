"""`--provider inworld` and `--dialect inworld`: the real host, pipecat's defaults, the key from
INWORLD_API_KEY sent as `Authorization: Basic <key>`, formats mapped to Inworld's encodings."""

from __future__ import annotations

import json

import pytest

from tui.core import resolve_config
from tui.core.config import ConfigError
from tui.core.console import Console
from tui.protocol.dialect import Dialect
from tui.session import Wire

KEY = "aW53b3JsZDpzZWNyZXQ="


def test_provider_inworld_connects_to_the_real_host_with_the_key_as_basic_auth():
    config = resolve_config(provider="inworld", audio="none", record=False, env={"INWORLD_API_KEY": KEY})
    assert config.dialect is Dialect.INWORLD and (config.voice, config.model) == ("Ashley", "inworld-tts-2")
    console = Console(config)
    assert console.endpoint == "wss://api.inworld.ai/tts/v1/voice:streamBidirectional"
    assert console._headers() == {"Authorization": f"Basic {KEY}"}
    assert KEY not in repr(config)


def test_provider_inworld_without_a_key_says_which_variable_to_set():
    with pytest.raises(ConfigError, match="INWORLD_API_KEY"):
        resolve_config(provider="inworld", env={})


def test_the_dialect_follows_a_full_inworld_url_and_formats_map_to_inworld_encodings():
    config = resolve_config(url="ws://127.0.0.1:9/tts/v1/voice:streamBidirectional", audio="none", record=False)
    assert config.dialect is Dialect.INWORLD and config.endpoint() == config.url
    for spelled, encoding in (
        ("pcm_24000", "PCM"),
        ("wav_16000", "LINEAR16"),
        ("ulaw_8000", "MULAW"),
        ("alaw_8000", "ALAW"),
        ("mp3_44100_128", "MP3"),
    ):
        config = resolve_config(dialect="inworld", output_format=spelled, audio="none", record=False)
        create = json.loads(Wire(Dialect.INWORLD, audio_format=config.audio_format).open("c")[0])["create"]
        assert create["audioConfig"]["audioEncoding"] == encoding, spelled
    with pytest.raises(ConfigError, match="no Inworld equivalent"):
        resolve_config(dialect="inworld", output_format="pcm_16000_stereo")
    with pytest.raises(ConfigError, match="handshake"):
        resolve_config(dialect="inworld", auth="body")


def test_the_wire_speaks_every_step_in_inworld_frames():
    wire = Wire(Dialect.INWORLD, voice="Dennis", model="inworld-tts-1-max")
    assert json.loads(wire.open("c")[0])["create"]["voiceId"] == "Dennis"
    assert json.loads(wire.text("c", "Hi. ", True)[0]) == {
        "send_text": {"text": "Hi. ", "flush_context": {}},
        "contextId": "c",
    }
    assert [json.loads(f) for f in wire.end_turn("c", unflushed=True)] == [
        {"flush_context": {}, "contextId": "c"},
        {"close_context": {}, "contextId": "c"},
    ]
    assert json.loads(wire.keep_alive(None)) == {"send_text": {"text": ""}}
    assert json.loads(wire.barge_in("c")) == {"close_context": {}, "contextId": "c"}
    assert wire.end_flush("c", unflushed=False) == []
