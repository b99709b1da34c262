"""Recordings do not grow without bound: past the cap for the folder the oldest session
recordings are removed, never the one being written and never a curated demo."""

from __future__ import annotations

import os

from tui.cli import build_parser, config_from_args
from tui.recording import Recorder, RecordingHeader
from tui.recording.writer import DEFAULT_CAP_MB

from .fixtures.frozen_clock import FrozenClock


def header(n: int) -> RecordingHeader:
    return RecordingHeader(
        provider="local",
        dialect="elevenlabs",
        url="ws://x/",
        output_format="pcm_16000",
        started_at=f"2026-01-01T00:00:{n:02d}.000000Z",
    )


def old_session(folder, n: int, size: int):
    path = folder / f"2026-01-01T00-00-{n:02d}-000-local.jsonl"
    path.write_bytes(b"x" * size)
    os.utime(path, (1000 + n, 1000 + n))
    return path


def test_past_the_cap_the_oldest_sessions_go_first_never_the_current_or_a_demo(tmp_path):
    demo = tmp_path / "demo-flight-booking.jsonl"
    demo.write_bytes(b"d" * 5000)
    os.utime(demo, (1, 1))
    olds = [old_session(tmp_path, n, 4000) for n in range(1, 4)]
    recorder = Recorder.create(tmp_path, header(50), clock=FrozenClock(), cap_bytes=10_000)
    try:
        assert not olds[0].exists() and olds[1].exists() and olds[2].exists()  # 8000 B fit under 10000
        assert demo.exists() and recorder.path.exists()
        for _ in range(100):  # the current one grows past the cap itself
            recorder.frame("received", "y" * 200)
        recorder.rotate()
        assert recorder.path.exists() and demo.exists() and not olds[1].exists() and not olds[2].exists()
    finally:
        recorder.close()


def test_the_cap_is_an_option_with_a_sensible_default_and_help_says_where_recordings_go(capsys):
    args = build_parser().parse_args(["--record-cap-mb", "50"])
    assert config_from_args(args, environ={}).record_cap_mb == 50
    assert config_from_args(build_parser().parse_args([]), environ={}).record_cap_mb == DEFAULT_CAP_MB
    help_text = build_parser().format_help()
    assert "--record-cap-mb" in help_text and "recordings/" in help_text
