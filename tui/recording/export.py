"""`switchboard export FILE --wav DIR`: one WAV per context, and one mixed "as heard".

Every WAV is mono s16le at the recording's sample rate, each context decoded by its own
decoder (`decoder`: tui.core.export passes the speaker's, which plays MP3, WAV and stereo;
without it PCM and G.711 are decoded with tui.protocol.formats). The mixed file is the heard spans
back to back, without the silences between them, so its length is exactly the audio the listener
heard.
"""

from __future__ import annotations

import os
import re
import wave
from dataclasses import dataclass, field
from pathlib import Path

from .reader import Recording, read_recording
from .timeline import ContextAudio, DecoderFactory, SampleDecoder, TimelineError, as_heard, build_timeline

HEARD_NAME = "as-heard.wav"


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    heard_seconds: float = 0.0
    problem: str | None = None  # the recording's own problem (exported up to it)
    skipped_frames: int = 0


class ExportError(Exception):
    """Nothing could be exported; the message says why."""


def _context_file_name(ctx: ContextAudio) -> str:
    stem = re.sub(r"[^0-9A-Za-z_.-]+", "-", ctx.context_id or "default").strip(".-") or "context"
    suffix = f"-{ctx.generation}" if ctx.generation > 1 else ""
    return f"context-{stem}{suffix}.wav"


def write_wav(path: Path, pcm: bytes, rate: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)


def export_wav(
    recording: Recording | str | os.PathLike[str],
    directory: str | os.PathLike[str],
    decoder: DecoderFactory = SampleDecoder,
) -> ExportResult:
    """Write the WAVs into `directory` (created if missing). Raises ExportError if impossible."""
    if not isinstance(recording, Recording):
        recording = read_recording(recording)
    if recording.header is None:  # the reader's problem already names the file
        raise ExportError(recording.problem or f"{recording.path}: not a recording")
    try:
        timeline = build_timeline(recording, decoder)
    except TimelineError as exc:
        raise ExportError(f"{recording.path}: {exc}") from None
    if not any(ctx.chunks for ctx in timeline.contexts):
        raise ExportError(
            f"{recording.path}: nothing to export: the recording has no audio"
            + (f" before the point where it stops ({recording.problem})" if recording.problem else "")
        )
    folder = Path(directory)
    result = ExportResult(problem=recording.problem, skipped_frames=timeline.skipped_frames)
    spans = as_heard(timeline)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for ctx in timeline.contexts:
            if ctx.chunks:
                path = folder / _context_file_name(ctx)
                write_wav(path, ctx.pcm, timeline.rate)
                result.files.append(path)
        heard = b"".join(span.pcm for span in spans)
        write_wav(folder / HEARD_NAME, heard, timeline.rate)
        result.files.append(folder / HEARD_NAME)
    except OSError as exc:
        raise ExportError(f"cannot write WAV files in {folder}: {exc.strerror or exc}") from None
    result.heard_seconds = len(heard) / (2 * timeline.rate)
    return result
