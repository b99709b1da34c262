"""Defect 11 (replay and export): every problem is said once, names the file as typed (with its
directory), and a recording with nothing usable fails with a reason instead of playing nothing
or writing an empty WAV."""

from __future__ import annotations

import json

from tui.cli import main

HEADER = {
    "format": "switchboard-recording",
    "version": 1,
    "provider": "local",
    "dialect": "elevenlabs",
    "url": "ws://127.0.0.1:1/v1/text-to-speech/v/multi-stream-input",
    "output_format": "pcm_16000",
    "started_at": "2026-01-01T00:00:00Z",
}


def write(path, *entries) -> str:
    path.write_text("".join(json.dumps(obj) + "\n" for obj in (HEADER, *entries)))
    return str(path)


def test_export_of_a_missing_file_says_so_once_with_its_directory(tmp_path, capsys):
    missing = tmp_path / "sub" / "gone.jsonl"
    assert main(["export", str(missing), "--wav", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{missing}: cannot open" in err[0] and err[0].count("gone.jsonl") == 1
    assert not (tmp_path / "out").exists()


def test_replay_of_a_missing_file_names_its_directory(tmp_path, capsys):
    missing = tmp_path / "sub" / "gone.jsonl"
    assert main(["replay", str(missing), "--headless", "--audio", "none"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{missing}: cannot open" in err[0]


def test_a_recording_with_nothing_in_it_does_not_replay_and_says_why(tmp_path, capsys):
    path = write(tmp_path / "empty.jsonl")
    assert main(["replay", path, "--headless", "--audio", "none", "--speed", "32"]) == 1
    assert "nothing to play" in capsys.readouterr().err


def test_a_recording_without_audio_exports_no_wav_and_says_why(tmp_path, capsys):
    path = write(tmp_path / "quiet.jsonl", {"t": 1.0, "dir": "sent", "text": '{"text": " ", "context_id": "a"}'})
    out = tmp_path / "out"
    assert main(["export", path, "--wav", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no audio" in err[0] and "quiet.jsonl" in err[0]
    assert not out.exists() or not any(out.iterdir())
