"""The console always names the format it plays: the services' defaults (MP3, WAV) it cannot play."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from tui.core.config import resolve_config


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


@pytest.mark.parametrize("options", [{}, {"output_format": "ulaw_8000"}, {"dialect": "elevenlabs-single"}])
def test_the_console_url_names_its_elevenlabs_output_format(options):
    config = resolve_config(url="ws://127.0.0.1:9", **options)
    assert query(config.endpoint())["output_format"] == config.audio_format.name


def test_the_console_url_names_its_murf_format_and_rate():
    config = resolve_config(url="ws://127.0.0.1:9", dialect="murf")
    assert query(config.endpoint())["format"] == config.audio_format.encoding.upper() == "PCM"
    assert int(query(config.endpoint())["sample_rate"]) == config.audio_format.sample_rate


@pytest.mark.parametrize(
    "url, added",
    [
        ("ws://h:1/v1/text-to-speech/v/multi-stream-input", {"output_format": "pcm_22050"}),
        ("ws://h:1/v1/text-to-speech/v/stream-input?model_id=m", {"model_id": "m", "output_format": "pcm_22050"}),
        ("ws://h:1/v1/speech/stream-input", {"format": "PCM", "sample_rate": "24000"}),
    ],
)
def test_a_full_endpoint_that_names_no_format_gets_the_one_the_console_plays(url, added):
    assert query(resolve_config(url=url).endpoint()) == added


def test_a_full_endpoint_that_names_its_format_is_used_as_is():
    url = "ws://h:1/v1/speech/stream-input?format=PCM&sample_rate=8000"
    assert resolve_config(url=url).endpoint() == url
