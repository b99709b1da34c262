"""Connection options from the URL query, per dialect, or the error frame that refuses them.

The local server produces PCM, mu-law and A-law only. A format it cannot produce (ElevenLabs
`mp3_*`/`opus_*`, Murf WAV/MP3/FLAC/OGG) is refused with a clear error frame and close 1008,
never answered with silence. Defaults differ from the services where theirs is such a format:
ElevenLabs `output_format` defaults to `pcm_22050` here (the service: MP3), Murf `format` to PCM
(the service: WAV). Error ids here are the local server's own; the services do not publish theirs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tui.protocol import elevenlabs, murf
from tui.protocol.formats import MURF_RATES, AudioFormat, murf_format, parse_output_format
from tui.protocol.frames import DecodeError, ErrorFrame

from .actions import POLICY_VIOLATION

DEFAULT_OUTPUT_FORMAT = "pcm_22050"
DEFAULT_MURF_SAMPLE_RATE = 24000
MURF_MODELS = ("FALCON", "GEN2", "FALCON-2")
PLAYABLE_FORMATS = "pcm_8000, pcm_16000, pcm_22050, pcm_24000, pcm_32000, pcm_44100, pcm_48000, ulaw_8000, alaw_8000"


@dataclass(frozen=True)
class StreamOptions:
    output: AudioFormat
    inactivity_timeout: float = elevenlabs.DEFAULT_INACTIVITY_TIMEOUT
    auto_mode: bool = False


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
    if isinstance(fmt, DecodeError):
        return _query_error(f"output_format {name[:40]!r} is not an output format; use one of {PLAYABLE_FORMATS}",
                            "invalid_output_format")
    if not fmt.playable:
        return _query_error(f"output_format {fmt.name} is not produced by the local server (no {fmt.encoding} "
                            f"encoder); use one of {PLAYABLE_FORMATS}", "unsupported_output_format")
    return fmt


def elevenlabs_options(query: Mapping[str, str], *, multi: bool) -> StreamOptions | ErrorFrame:
    """Options of a `multi-stream-input` or `stream-input` URL (PROTOCOL.md §1.1)."""
    fmt = _output_format(query.get("output_format", DEFAULT_OUTPUT_FORMAT))
    if isinstance(fmt, ErrorFrame):
        return fmt
    timeout = _int_in(query, "inactivity_timeout", 1, elevenlabs.MAX_INACTIVITY_TIMEOUT)
    if isinstance(timeout, ErrorFrame):
        return timeout
    flags = {}
    for name in ("auto_mode", "sync_alignment", "enable_logging", "enable_ssml_parsing"):
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
    if multi and query.get("model_id", "").startswith("eleven_v3"):
        return _query_error("multi-context streaming is not offered for eleven_v3 models", "unsupported_model")
    return StreamOptions(
        fmt,
        float(timeout if timeout is not None else elevenlabs.DEFAULT_INACTIVITY_TIMEOUT),
        flags["auto_mode"],
    )


def murf_options(query: Mapping[str, str]) -> StreamOptions | ErrorFrame:
    """Options of a Murf `stream-input` URL (PROTOCOL.md §2.1)."""
    model = query.get("model", "FALCON")
    if model.upper() not in MURF_MODELS:
        return _query_error(f"model must be one of FALCON, GEN2, falcon-2, got {model[:40]!r}", "invalid_model")
    channels = query.get("channel_type", "MONO")
    if channels.upper() != "MONO":
        return _query_error(f"channel_type {channels[:40]!r} is not produced by the local server; use MONO",
                            "unsupported_channel_type")
    encoding = query.get("format", "PCM")
    rates = ", ".join(map(str, MURF_RATES))
    default_rate = 8000 if encoding.upper() in ("ULAW", "ALAW") else DEFAULT_MURF_SAMPLE_RATE
    raw_rate = query.get("sample_rate")
    try:
        rate = int(raw_rate) if raw_rate is not None else default_rate
    except ValueError:
        return _query_error(f"sample_rate must be one of {rates}, got {raw_rate[:40]!r}", "invalid_sample_rate")
    fmt = murf_format(encoding, rate)
    if isinstance(fmt, DecodeError):
        return _query_error(f"{fmt.reason} (format {encoding[:40]!r}, sample_rate {rate})", "invalid_format")
    if not fmt.playable:
        return _query_error(f"format {encoding.upper()} is not produced by the local server; use PCM, ULAW or ALAW",
                            "unsupported_format")
    return StreamOptions(fmt, float(murf.SOCKET_INACTIVITY_TIMEOUT))
