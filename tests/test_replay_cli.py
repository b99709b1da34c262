"""`switchboard replay` and `switchboard export` on the shipped demos and on bad input."""

import wave
from pathlib import Path

import pytest

from tui.cli import main
from tui.recording import read_recording
from tui.recording.timeline import as_heard, build_timeline

DEMOS = Path(__file__).resolve().parent.parent / "recordings"


@pytest.mark.parametrize("path", sorted(DEMOS.glob("demo-*.jsonl")), ids=lambda p: p.stem)
def test_every_shipped_demo_is_whole_small_and_free_of_keys(path):
    recording = read_recording(path)
    assert recording.problem is None
    assert recording.header.provider == "local" and path.stat().st_size < 2_000_000
    assert recording.received and recording.sent
    assert b"api_key" not in path.read_bytes() and b"api-key" not in path.read_bytes()


def test_the_demos_show_what_they_are_for():
    flight = read_recording(DEMOS / "demo-flight-booking.jsonl")
    assert flight.header.dialect == "murf" and [a.fields["context_id"] for a in flight.barge_ins] == ["turn_2"]
    assert any('"clear":true' in f.data for f in flight.sent)
    rapid = read_recording(DEMOS / "demo-rapid-barge-in.jsonl")
    assert any("max_active_conversations" in f.data for f in rapid.received)
    assert rapid.actions("closed")[-1].fields["code"] == 1008


def test_replay_plays_a_demo_offline_and_prints_its_frame_log(capsys):
    demo = str(DEMOS / "demo-flush-and-keep-alive.jsonl")
    assert main(["replay", demo, "--speed", "32", "--audio", "none", "--headless"]) == 0
    out = capsys.readouterr().out
    assert '"flush":true' in out and '"isFinal":true' in out
    lines = [line for line in out.splitlines() if "→" in line or "←" in line]
    assert len(lines) == len(read_recording(DEMOS / "demo-flush-and-keep-alive.jsonl").frames())


@pytest.mark.parametrize(
    "argv, message",
    [
        (["replay", "nope.jsonl"], "nope.jsonl: cannot open"),
        (["replay", str(DEMOS / "demo-rapid-barge-in.jsonl"), "--speed", "0"], "speed must be"),
        (["export", "nope.jsonl", "--wav", "out"], "nope.jsonl: cannot open"),
    ],
)
def test_bad_input_is_one_clear_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) in (1, 2)
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_export_writes_a_wav_per_context_and_the_mix_as_heard(tmp_path, capsys):
    demo = DEMOS / "demo-flight-booking.jsonl"
    assert main(["export", str(demo), "--wav", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["as-heard.wav", "context-turn_1.wav", "context-turn_2.wav", "context-turn_3.wav"]
    heard = sum(len(span.pcm) for span in as_heard(build_timeline(read_recording(demo)))) // 2
    with wave.open(str(tmp_path / "as-heard.wav")) as w:
        assert w.getframerate() == 16000 and w.getnframes() == heard
    with wave.open(str(tmp_path / "context-turn_2.wav")) as w:
        assert w.getnframes() > 0
    assert "s heard" in capsys.readouterr().out
