"""`switchboard export`: the recording layer's export (tui.recording.export) with the speaker's
per-turn decoder, so MP3, Murf WAV and stereo sessions export as they played. The recording
layer may import only the protocol; the decoder lives in tui/audio, which core may import."""

from __future__ import annotations

import os

from tui.audio.decode import turn_decoder
from tui.recording import Recording
from tui.recording.export import ExportError, ExportResult, export_wav as _export_wav

__all__ = ["ExportError", "ExportResult", "export_wav"]


def export_wav(recording: Recording | str | os.PathLike[str], directory: str | os.PathLike[str]) -> ExportResult:
    """One WAV per context and as-heard.wav into `directory`; ExportError if impossible."""
    return _export_wav(recording, directory, decoder=turn_decoder)
