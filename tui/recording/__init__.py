"""Session recordings (Textual-free): write every frame and operator action, read them back.

- `Recorder.create(directory, header, secrets=..., clock=...)`, `.frame(direction, data)`,
  `.action(kind, **fields)`, `.close()`: the writer the console core calls.
- `read_recording(path) -> Recording(header, entries, problem)`: never raises on bad content.
- `export_wav(recording, directory)`: one WAV per context and one mixed "as heard".
"""

from .entries import (
    BARGE_IN,
    CLOSED,
    CONNECTED,
    FORMAT_VERSION,
    HEARD,
    KEEP_ALIVE,
    RECEIVED,
    SENT,
    SERVER_SAID,
    SERVER_STATE,
    TURN,
    ActionEntry,
    Entry,
    FrameEntry,
    RecordingHeader,
    heard_mark,
    records_heard,
)
from .export import ExportError, ExportResult, export_wav
from .reader import Recording, read_recording
from .writer import Recorder, RecordingError

__all__ = [
    "BARGE_IN",
    "CLOSED",
    "CONNECTED",
    "FORMAT_VERSION",
    "HEARD",
    "KEEP_ALIVE",
    "RECEIVED",
    "SENT",
    "SERVER_SAID",
    "SERVER_STATE",
    "TURN",
    "ActionEntry",
    "Entry",
    "ExportError",
    "ExportResult",
    "FrameEntry",
    "Recorder",
    "Recording",
    "RecordingError",
    "RecordingHeader",
    "export_wav",
    "heard_mark",
    "read_recording",
    "records_heard",
]
