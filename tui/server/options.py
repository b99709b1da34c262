"""Connection options from the URL query, per dialect, or the error frame that refuses them.

Formats produced (encoding.py): ElevenLabs PCM, mu-law, A-law, the service's six `mp3_*` and
five `opus_48000_*` (Ogg Opus at that many kbps), MP3 `mp3_44100_128` being the default as on the
service; Murf PCM, WAV (the default, as on the service), MP3, FLAC, ULAW, ALAW, mono or stereo.
A format the server cannot produce (Murf OGG: Murf does not say which codec its Ogg carries, so
the local server does not guess) or that the service does not list is refused with an error frame
naming the formats offered and close 1008 (the code the services use for a refused request on
these sockets), never answered with silence. Error ids are the local server's own; the services
do not publish theirs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from tui.protocol import dialogue, elevenlabs, murf
from tui.protocol.formats import MURF_RATES, AudioFormat, murf_format, parse_output_format
from tui.protocol.frames import DecodeError, ErrorFrame

from .actions import POLICY_VIOLATION

DEFAULT_OUTPUT_FORMAT = "mp3_44100_128"  # the service's default (PROTOCOL.md §5)
DEFAULT_MURF_FORMAT = "WAV"  # Murf's default (PROTOCOL.md §5)
DEFAULT_MURF_SAMPLE_RATE = 24000
MURF_MODELS = ("FALCON", "GEN2", "FALCON-2")
MURF_FORMATS = ("PCM", "WAV", "MP3", "FLAC", "ULAW", "ALAW")
MURF_CHANNELS = {"MONO": 1, "STEREO": 2}
# The MP3 formats the service lists (PROTOCOL.md §1.1); other rate/bitrate pairs are not offered.
MP3_FORMATS = ("mp3_22050_32", "mp3_44100_32", "mp3_44100_64", "mp3_44100_96", "mp3_44100_128", "mp3_44100_192")
# Ogg Opus: the bitrates the service lists (PROTOCOL.md §1.1 "opus_48000_{32..192}", the SDK's enum).
OPUS_FORMATS = ("opus_48000_32", "opus_48000_64", "opus_48000_96", "opus_48000_128", "opus_48000_192")
PLAYABLE_FORMATS = "pcm_8000, pcm_16000, pcm_22050, pcm_24000, pcm_32000, pcm_44100, pcm_48000, ulaw_8000, alaw_8000"
PRODUCED_FORMATS = f"{PLAYABLE_FORMATS}, {', '.join(MP3_FORMATS)}, {', '.join(OPUS_FORMATS)}"


@dataclass(frozen=True)
class StreamOptions:
    output: AudioFormat
    inactivity_timeout: float = elevenlabs.DEFAULT_INACTIVITY_TIMEOUT
    auto_mode: bool = False
    sync_alignment: bool = False  # ElevenLabs: timing data with every audio frame (server.py)
    channels: int = 1  # Murf channel_type STEREO: 2 (the mono voice in both)


def _query_error(message: str, error: str = "invalid_query_parameter") -> ErrorFrame:
    return ErrorFrame(message=message, error=error, code=POLICY_VIOLATION)


def _bool(query: Mapping[str, str], name: str) -> bool | ErrorFrame:
    value = query.get(name)
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    return _query_error(f"{name} must be true or false, got {value[:40]!r}")


def _int_in(query: Mapping[str, str], name: str, low: int, high: int) -> int | None | ErrorFrame:
    value = query.get(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        return _query_error(f"{name} must be a whole number from {low} to {high}, got {value[:40]!r}")
    if not low <= number <= high:
        return _query_error(f"{name} must be from {low} to {high}, got {number}")
    return number


def _output_format(name: str) -> AudioFormat | ErrorFrame:
    fmt = parse_output_format(name)
    if (
        isinstance(fmt, DecodeError)
        or (fmt.encoding == "mp3" and fmt.name not in MP3_FORMATS)
        or (fmt.encoding == "opus" and fmt.name not in OPUS_FORMATS)
    ):
        return _query_error(
            f"output_format {name[:40]!r} is not an output format; use one of {PRODUCED_FORMATS}",
            "invalid_output_format",
        )
    return fmt


# eleven_v3 (and v4) are offered on neither WebSocket route; they go through Text-to-Dialogue
# (PROTOCOL.md §5). The service refuses them at the handshake with HTTP 403 (LiveKit and Postman
# reports, livekit/agents #3235 and #4901); its body is not published, so ours says why.
_NO_WEBSOCKET_MODEL = re.compile(r"eleven_v[34](?:_|$)", re.IGNORECASE)


def websocket_model_refusal(query: Mapping[str, str]) -> str | None:
    """Why the ElevenLabs `model_id` cannot stream over a WebSocket (HTTP 403 body), or None."""
    model = query.get("model_id", "")
    if not _NO_WEBSOCKET_MODEL.match(model):
        return None
    return (
        f"The model {model[:40]} is not available over WebSocket streaming (stream-input or "
        "multi-stream-input); use it through the HTTP text-to-speech or text-to-dialogue endpoints.\n"
    )


def _flags_seed_normalization(query: Mapping[str, str], names: tuple[str, ...]) -> dict[str, bool] | ErrorFrame:
    """The boolean options `names`, after checking `seed` and `apply_text_normalization` (both
    ElevenLabs routes take these and note them only)."""
    flags = {}
    for name in names:
        flag = _bool(query, name)
        if isinstance(flag, ErrorFrame):
            return flag
        flags[name] = flag
    seed = _int_in(query, "seed", 0, 4294967295)
    if isinstance(seed, ErrorFrame):
        return seed
    normalization = query.get("apply_text_normalization", "auto")
    if normalization not in ("auto", "on", "off"):
        return _query_error(f"apply_text_normalization must be auto, on or off, got {normalization[:40]!r}")
    return flags


def elevenlabs_options(query: Mapping[str, str]) -> StreamOptions | ErrorFrame:
    """Options of a `multi-stream-input` or `stream-input` URL (PROTOCOL.md §1.1)."""
    fmt = _output_format(query.get("output_format", DEFAULT_OUTPUT_FORMAT))
    if isinstance(fmt, ErrorFrame):
        return fmt
    timeout = _int_in(query, "inactivity_timeout", 1, elevenlabs.MAX_INACTIVITY_TIMEOUT)
    if isinstance(timeout, ErrorFrame):
        return timeout
    flags = _flags_seed_normalization(query, ("auto_mode", "sync_alignment", "enable_logging", "enable_ssml_parsing"))
    if isinstance(flags, ErrorFrame):
        return flags
    return StreamOptions(
        fmt,
        float(timeout if timeout is not None else elevenlabs.DEFAULT_INACTIVITY_TIMEOUT),
        flags["auto_mode"],
        sync_alignment=flags["sync_alignment"],
    )


def murf_options(query: Mapping[str, str]) -> StreamOptions | ErrorFrame:
    """Options of a Murf `stream-input` URL (PROTOCOL.md §2.1)."""
    model = query.get("model", "FALCON")
    if model.upper() not in MURF_MODELS:
        return _query_error(f"model must be one of FALCON, GEN2, falcon-2, got {model[:40]!r}", "invalid_model")
    channels = query.get("channel_type", "MONO")
    if channels.upper() not in MURF_CHANNELS:
        return _query_error(f"channel_type must be MONO or STEREO, got {channels[:40]!r}", "invalid_channel_type")
    encoding = query.get("format", DEFAULT_MURF_FORMAT)
    rates = ", ".join(map(str, MURF_RATES))
    default_rate = 8000 if encoding.upper() in ("ULAW", "ALAW") else DEFAULT_MURF_SAMPLE_RATE
    raw_rate = query.get("sample_rate")
    try:
        rate = int(raw_rate) if raw_rate is not None else default_rate
    except ValueError:
        return _query_error(f"sample_rate must be one of {rates}, got {(raw_rate or '')[:40]!r}", "invalid_sample_rate")
    fmt = murf_format(encoding, rate)
    if isinstance(fmt, DecodeError):
        return _query_error(f"{fmt.reason} (format {encoding[:40]!r}, sample_rate {rate})", "invalid_format")
    if encoding.upper() not in MURF_FORMATS:
        return _query_error(
            f"format {encoding.upper()} is not produced by the local server; use one of {', '.join(MURF_FORMATS)}",
            "unsupported_format",
        )
    if fmt.sample_rate not in MURF_RATES:  # murf_format checks PCM/G.711 rates only
        return _query_error(
            f"sample_rate must be one of {rates} (format {encoding.upper()}, sample_rate {rate})", "invalid_format"
        )
    return StreamOptions(fmt, float(murf.SOCKET_INACTIVITY_TIMEOUT), channels=MURF_CHANNELS[channels.upper()])


# Text-to-Dialogue (PROTOCOL-DIALECTS.md §3.1): the TTS formats plus mp3_24000_48 (its SDK's enum).
DIALOGUE_MP3_FORMATS = ("mp3_24000_48",)


@dataclass(frozen=True)
class DialogueOptions:
    stream: StreamOptions
    model_id: str


def dialogue_options(query: Mapping[str, str]) -> DialogueOptions | ErrorFrame:
    """Options of a `text-to-dialogue/multi-stream-input` URL: the model (eleven_v3,
    eleven_v3_conversational, eleven_v4, eleven_v4_turbo: tui.protocol.dialogue.MODELS; the
    default eleven_v3 is the local server's choice), the output
    format as on the TTS route, `sync_alignment`; `language_code`, `seed`, `enable_logging` and
    `apply_text_normalization` are checked and noted only."""
    model = query.get("model_id", dialogue.DEFAULT_MODEL)
    if model not in dialogue.MODELS:
        return _query_error(
            f"model_id {model[:40]!r} is not served by text-to-dialogue; use one of {', '.join(dialogue.MODELS)}",
            "invalid_model_id",
        )
    name = query.get("output_format", DEFAULT_OUTPUT_FORMAT)
    fmt = AudioFormat("mp3", 24000, 48) if name in DIALOGUE_MP3_FORMATS else _output_format(name)
    if isinstance(fmt, ErrorFrame):
        return fmt
    flags = _flags_seed_normalization(query, ("sync_alignment", "enable_logging"))
    if isinstance(flags, ErrorFrame):
        return flags
    stream = StreamOptions(fmt, dialogue.INACTIVITY_TIMEOUT, sync_alignment=flags["sync_alignment"])
    return DialogueOptions(stream, model)


# Cartesia (PROTOCOL-DIALECTS.md §2.1): the output format rides in each generation request, so
# the handshake carries only the API version, which is required: query `cartesia_version` or
# header `Cartesia-Version`, the query winning when both are there. Any date is taken (the
# service serves the newest version not after it; SDK 4.0.1 sends 2026-08-14).
_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")


def cartesia_version(query: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
    """The API version asked for, or None; `cartesia_version_refusal` says why one is refused."""
    return query.get("cartesia_version") or headers.get("cartesia-version") or None


def cartesia_version_refusal(version: str | None) -> str | None:
    """The HTTP 400 body for a missing or malformed version, or None to accept it."""
    if version is None:
        return "cartesia_version is required: send query cartesia_version=YYYY-MM-DD or header Cartesia-Version.\n"
    if not _VERSION.fullmatch(version):
        return f"cartesia_version must be a date YYYY-MM-DD (such as 2026-03-01), got {version[:40]!r}.\n"
    return None
