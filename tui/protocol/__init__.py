"""Sans-IO codecs for the two multi-context TTS dialects (stdlib only).

- `elevenlabs`: multi-stream-input client frames and the ElevenLabs server frames.
- `stream_input`: the single-context ElevenLabs endpoint.
- `murf`: Murf stream-input.
- `frames`: server events shared by all dialects (Audio, Final, ErrorFrame, FlushDone, Unknown)
  and `DecodeError`, which every decoder returns instead of raising.
- `formats`: output formats and G.711; `urls`: endpoints, auth headers, redaction.
"""

from .dialect import Dialect
from .formats import AudioFormat, parse_output_format
from .frames import Alignment, Audio, DecodeError, ErrorFrame, Final, FlushDone, ServerEvent, Unknown
from .secret import Secret

__all__ = [
    "Alignment",
    "Audio",
    "AudioFormat",
    "DecodeError",
    "Dialect",
    "ErrorFrame",
    "Final",
    "FlushDone",
    "Secret",
    "ServerEvent",
    "Unknown",
    "parse_output_format",
]
