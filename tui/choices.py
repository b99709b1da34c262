"""The names an operator chooses between on the command line: speaker backends and the embedded
server's voices. Defined once, here, and read by the layers that act on them (tui.audio makes
the speaker, tui.server.synth loads the voice, tui.core.config and the CLIs check and offer
them). Standard library only and nothing imported: `switchboard --help` lists them without
loading an audio library or a voice."""

from __future__ import annotations

# In the order --help offers them: the product card's backend first, "none" (no sound) last.
AUDIO_BACKENDS = ("simpleaudio", "miniaudio", "sounddevice", "none")
DEFAULT_AUDIO_BACKEND = "miniaudio"  # measured: docs/PERFORMANCE.md, "Speaker"

LOCAL_VOICES = ("piper", "tone")  # the embedded server's: Piper's en_US joe, a deterministic tone
DEFAULT_LOCAL_VOICE = "piper"
