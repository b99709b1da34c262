"""The local server's voices (no Textual, no asyncio: the server calls them from worker threads).

- `load_voice("piper")`: the default, Piper with the en_US joe medium voice; real char timings
  from the model's phoneme durations.
- `load_voice("tone", ms_per_char=60)`: deterministic tones with exact per-char durations.

Both yield `SynthChunk`s clause by clause; see `Voice` for the contract and `SynthChunk.split`
for cutting a chunk into wire-sized frames.
"""

from __future__ import annotations

import inspect
from typing import Any

from tui.choices import LOCAL_VOICES as VOICE_NAMES

from .chunk import SynthChunk
from .voice import SUPPORTED_SAMPLE_RATES, Voice, VoiceError


def load_voice(name: str, **options: Any) -> Voice:
    """Load and warm a voice by name; VoiceError with a readable reason if it cannot be.

    Options: piper — model_path, config_path, threads, first_words, alignments, warm;
    tone — ms_per_char, first_words, generation_rtf.
    """
    if name == "tone":
        from .tone import ToneVoice

        factory: Any = ToneVoice
    elif name == "piper":
        from .piper_voice import PiperSpeech  # imports onnxruntime: only when asked for

        factory = PiperSpeech
    else:
        raise VoiceError(f"unknown voice {name!r}: choose one of {', '.join(VOICE_NAMES)}")
    try:
        inspect.signature(factory).bind(**options)
    except TypeError as error:
        raise VoiceError(f"bad option for the {name} voice: {error}") from error
    return factory(**options)


__all__ = ["SUPPORTED_SAMPLE_RATES", "SynthChunk", "Voice", "VoiceError", "VOICE_NAMES", "load_voice"]
