"""Where the console meets its collaborators: the speaker, the recorder, the transport.

Each default is built lazily, so the core imports without the audio backends or the recorder;
tests and replay pass their own factories to `Console`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from tui.clock import Clock
from tui.net.client import WebSocketTransport
from tui.net.transport import Transport

from .config import ConsoleConfig
from .speaker_link import SpeakerLike


class RecorderLike(Protocol):
    """What the console calls on a recorder (tui.recording.Recorder)."""

    def frame(self, direction: str, data: str | bytes) -> None: ...
    def action(self, kind: str, **fields: Any) -> None: ...
    def close(self) -> None: ...


def default_speaker(
    config: ConsoleConfig, on_progress: Callable[[str, int, int, bool], None], clock: Clock
) -> SpeakerLike:
    from tui.audio import make_speaker

    return make_speaker(config.audio, on_progress=on_progress, clock=clock)


def default_recorder(config: ConsoleConfig, url: str, clock: Clock) -> RecorderLike:
    """A recording in `config.record_dir` (raises RecordingError with a clear message)."""
    from tui.recording import Recorder, RecordingHeader, heard_mark

    header = RecordingHeader(
        provider=config.provider,
        dialect=config.dialect.value,
        url=url,
        output_format=config.output_format,
        voice=config.voice,
        model=config.model,
        extra=heard_mark(),  # the console records what the listener heard (`heard` actions)
    )
    cap_mb = config.record_cap_mb  # the folder's cap (cli --record-cap-mb)
    return Recorder.create(
        config.record_dir, header, secrets=[config.api_key], clock=clock, cap_bytes=int(float(cap_mb) * 1_000_000)
    )


def default_transport(config: ConsoleConfig, url: str, headers: dict[str, str]) -> Transport:
    return WebSocketTransport(url, headers, secrets=[config.api_key])


def start_recorder(
    factory: Callable[[ConsoleConfig, str], RecorderLike | None], config: ConsoleConfig, url: str
) -> tuple[RecorderLike | None, str]:
    """The session's recorder, or None and why: a recording that cannot start never stops the
    session (a read-only folder, a full disk)."""
    try:
        recorder = factory(config, url)
    except Exception as exc:  # RecordingError, or anything a recorder raises while starting
        return None, str(exc) or type(exc).__name__
    return recorder, "" if recorder is not None else "recording unavailable"
