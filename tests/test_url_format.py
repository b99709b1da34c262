"""The URL is the truth: a full --url's format is what the console decodes; a different
--output-format beside it is an error, never a silent choice; Opus is refused up front."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from tui.cli import main
from tui.core.config import ConfigError, resolve_config
from tui.protocol.formats import AudioFormat

EL = "ws://h:1/v1/text-to-speech/v/multi-stream-input"
MURF = "ws://h:1/v1/speech/stream-input"


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


@pytest.mark.parametrize(
    "url, expected",
    [
        (f"{EL}?output_format=mp3_44100_128", AudioFormat("mp3", 44100, 128)),
        (f"{EL}?model_id=m&output_format=mp3_22050_32", AudioFormat("mp3", 22050, 32)),
        (f"{EL}?output_format=ulaw_8000", AudioFormat("ulaw", 8000)),
        (f"{MURF}?format=PCM&sample_rate=8000", AudioFormat("pcm", 8000)),
        (f"{MURF}?format=WAV&sample_rate=44100&channel_type=STEREO", AudioFormat("wav", 44100, channels=2)),
        (f"{MURF}?format=mp3&sample_rate=24000", AudioFormat("mp3", 24000)),
        # Murf fills what the URL leaves out with its own defaults: WAV, 24000 Hz, MONO.
        (f"{MURF}?channel_type=STEREO", AudioFormat("wav", 24000, channels=2)),
        (f"{MURF}?format=ULAW", AudioFormat("ulaw", 8000)),
    ],
)
def test_a_full_urls_format_is_the_one_the_console_decodes(url, expected):
    config = resolve_config(url=url)
    assert config.audio_format == expected
    assert config.endpoint() == url  # named already: sent as given


@pytest.mark.parametrize(
    "url, given",
    [
        (f"{EL}?output_format=mp3_44100_128", "pcm_22050"),
        (f"{EL}?output_format=pcm_16000", "pcm_22050"),
        (f"{MURF}?format=WAV&sample_rate=24000", "pcm_24000"),
        (f"{MURF}?format=WAV&sample_rate=24000&channel_type=STEREO", "wav_24000"),
    ],
)
def test_a_url_and_an_output_format_that_disagree_are_an_error(url, given):
    with pytest.raises(ConfigError, match="conflicts with the URL"):
        resolve_config(url=url, output_format=given)


def test_a_url_and_an_output_format_that_agree_are_fine():
    assert (
        resolve_config(
            url=f"{MURF}?format=WAV&sample_rate=24000&channel_type=STEREO", output_format="wav_24000_stereo"
        ).audio_format.channels
        == 2
    )


def test_the_conflict_is_one_line_on_stderr_and_exit_2(capsys):
    assert main(["--url", f"{EL}?output_format=mp3_44100_128", "--output-format", "pcm_22050"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "mp3_44100_128" in err and "pcm_22050" in err


@pytest.mark.parametrize(
    "options",
    [
        {"output_format": "opus_48000_64"},
        {"url": f"{EL}?output_format=opus_48000_128"},
    ],
)
def test_opus_is_refused_with_a_clear_message(options):
    with pytest.raises(ConfigError, match="Opus"):
        resolve_config(**options)


@pytest.mark.parametrize("name", ["mp3_44100_128", "mp3_22050_32", "mp3_44100_192", "pcm_44100"])
def test_output_format_takes_every_elevenlabs_format_the_console_plays(name):
    config = resolve_config(url="ws://127.0.0.1:9", output_format=name)
    assert query(config.endpoint())["output_format"] == name == config.audio_format.name


@pytest.mark.parametrize(
    "name, sent",
    [
        ("wav_24000", {"format": "WAV", "sample_rate": "24000", "channel_type": "MONO"}),
        ("mp3_44100", {"format": "MP3", "sample_rate": "44100", "channel_type": "MONO"}),
        ("wav_48000_stereo", {"format": "WAV", "sample_rate": "48000", "channel_type": "STEREO"}),
        ("pcm_16000_stereo", {"format": "PCM", "sample_rate": "16000", "channel_type": "STEREO"}),
    ],
)
def test_output_format_spells_murfs_format_rate_and_channels(name, sent):
    config = resolve_config(url="ws://127.0.0.1:9", dialect="murf", output_format=name)
    assert {k: query(config.endpoint())[k] for k in sent} == sent


@pytest.mark.parametrize(
    "dialect, name",
    [
        ("elevenlabs", "wav_24000"),
        ("elevenlabs", "pcm_22050_stereo"),
        ("elevenlabs", "mp3_24000"),
        ("murf", "mp3_44100_128"),
        ("murf", "pcm_22050"),
    ],
)
def test_a_format_the_dialect_does_not_offer_is_refused(dialect, name):
    with pytest.raises(ConfigError):
        resolve_config(dialect=dialect, output_format=name)


def test_a_stereo_format_is_named_on_murfs_own_url():
    url = resolve_config(url="ws://h:1/v1/speech/stream-input", output_format="wav_24000_stereo").endpoint()
    assert query(url) == {"format": "WAV", "sample_rate": "24000", "channel_type": "STEREO"}
