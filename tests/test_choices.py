"""The names offered on the command line (tui.choices) are the ones the layers act on."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tui import audio
from tui.choices import AUDIO_BACKENDS, DEFAULT_AUDIO_BACKEND, DEFAULT_LOCAL_VOICE, LOCAL_VOICES
from tui.server.synth import VoiceError, load_voice


def test_every_backend_offered_has_a_device_and_the_default_is_one_of_them():
    assert set(audio._DEVICES) | {"none"} == set(AUDIO_BACKENDS)
    assert DEFAULT_AUDIO_BACKEND in AUDIO_BACKENDS and DEFAULT_AUDIO_BACKEND != "none"


def test_every_voice_offered_is_one_the_server_loads():
    assert DEFAULT_LOCAL_VOICE in LOCAL_VOICES
    load_voice("tone")  # piper's loading is tests/test_synth_piper.py's
    for name in LOCAL_VOICES:  # known by name: only the option is refused
        with pytest.raises(VoiceError, match=f"bad option for the {name} voice"):
            load_voice(name, no_such_option=1)


def test_the_names_load_without_an_audio_library_or_a_voice():
    code = "import sys, tui.choices; print(sorted(m for m in sys.modules if m.startswith('tui')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['tui', 'tui.choices']"
