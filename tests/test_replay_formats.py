"""Replay and export play every format the console plays (MP3, Murf WAV, stereo): a session
recorded live in each against the real local server (tone voice) replays headless to the same
model, and exports WAVs as long as the live model says was received and heard. The audio is
decoded by the speaker's own per-turn decoder (tui.audio.decode.turn_decoder)."""

from __future__ import annotations

import wave

import pytest

from tui.cli import main
from tui.core import Console, resolve_config
from tui.core.export import export_wav
from tui.recording import read_recording
from tui.recording.export import HEARD_NAME

from .model_snapshot import snapshot
from .test_console_plays_formats import full_url
from .test_core_console import wait_for
from .test_replay_equivalence import assert_same, replayed

TURN = "Sure, when would you like to travel?"


def seconds(path) -> float:
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getnframes() / w.getframerate()


@pytest.mark.parametrize(
    "dialect, query, name",
    [
        ("elevenlabs", "output_format=mp3_44100_128&sync_alignment=true", "mp3_44100_128"),
        ("murf", "model=FALCON&format=WAV&sample_rate=24000", "wav_24000"),
        ("murf", "model=FALCON&format=PCM&sample_rate=24000&channel_type=STEREO", "pcm_24000_stereo"),
    ],
)
async def test_a_session_in_each_format_replays_and_exports_as_long_as_it_was_lived(
    local_server, tmp_path, dialect, query, name
):
    config = resolve_config(
        provider="local", url=full_url(local_server, dialect, query), audio="none", record_dir=tmp_path / "rec", rate=40
    )
    live = Console(config)
    try:
        assert await live.start() and await live.wait_connected(10)
        assert live.config.audio_format.name == name
        live.submit_turn(TURN)
        await wait_for(lambda: "turn_1" in live.speaker.finished, 20)
        assert await live.frames_written()
    finally:
        await live.shutdown()
    recording = read_recording(live.recorder.path)
    assert recording.problem is None and recording.header.output_format == name
    for speed in (1, 8):
        assert_same(snapshot(live.session), snapshot((await replayed(recording, speed)).session), f"x{speed}")
    result = export_wav(recording, tmp_path / "wav")
    m = live.session.slot_for("turn_1").metrics
    assert m.audio_seconds > 1.0 and m.heard_seconds == pytest.approx(m.audio_seconds, abs=0.03)
    rate = live.config.audio_format.sample_rate
    context_wav = [f for f in result.files if f.name != HEARD_NAME]
    assert len(context_wav) == 1 and seconds(context_wav[0]) == pytest.approx(m.audio_seconds, abs=1 / rate)
    assert result.heard_seconds == pytest.approx(m.heard_seconds, abs=0.03)
    assert seconds(tmp_path / "wav" / HEARD_NAME) == result.heard_seconds
    assert main(["export", str(recording.path), "--wav", str(tmp_path / "cli")]) == 0  # the command too
    assert seconds(tmp_path / "cli" / HEARD_NAME) == result.heard_seconds
