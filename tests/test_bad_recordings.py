"""Recordings and secrets under abuse (issue 11, item 8): bad offsets, endless lines, cut
recordings, bad header fields, keys in malformed URLs, and who may read a recording."""

from __future__ import annotations

import base64
import json
import stat
import time

import pytest

from tui.cli import main
from tui.recording import Recorder, RecordingHeader, read_recording

HEADER = {
    "format": "switchboard-recording",
    "version": 1,
    "provider": "local",
    "dialect": "elevenlabs",
    "url": "ws://127.0.0.1:1/v1/text-to-speech/v/multi-stream-input",
    "output_format": "pcm_16000",
    "started_at": "2026-01-01T00:00:00Z",
}
OPEN = json.dumps({"text": " ", "context_id": "turn_1"})


def audio(seconds: float, t: float, cid: str = "turn_1") -> dict:
    pcm = b"\x10\x00" * int(16000 * seconds)
    return {"t": t, "dir": "received", "text": json.dumps({"audio": base64.b64encode(pcm).decode(), "contextId": cid})}


def write(path, *entries, header=HEADER, raw_tail: str = "") -> str:
    path.write_text("".join(json.dumps(obj) + "\n" for obj in (header, *entries)) + raw_tail)
    return str(path)


@pytest.mark.parametrize("offset", ["NaN", "Infinity", "-Infinity", "1e12"])
def test_an_offset_that_is_not_a_time_is_refused_naming_its_line(tmp_path, capsys, offset):
    entries = [
        {"t": 0, "action": "turn", "text": "Hi.", "context_id": "turn_1"},
        {"t": 1.0, "dir": "sent", "text": OPEN},
        audio(0.2, 5.0),
    ]
    bad = '{"t": %s, "dir": "received", "text": "{\\"isFinal\\": true, \\"contextId\\": \\"turn_1\\"}"}\n' % offset
    path = write(tmp_path / "odd.jsonl", *entries, raw_tail=bad)
    recording = read_recording(path)
    assert len(recording.entries) == 3
    assert recording.problem and "line 5" in recording.problem and "bad offset 't'" in recording.problem
    assert main(["export", path, "--wav", str(tmp_path / "out")]) == 0  # what is before it
    err = capsys.readouterr().err
    assert "line 5" in err and "bad offset" in err
    # Only a bad offset: nothing to play, and replay says why instead of sitting idle.
    only = write(tmp_path / "only.jsonl", raw_tail=bad)
    assert main(["replay", only, "--headless", "--audio", "none", "--speed", "32"]) == 1
    assert "line 2" in capsys.readouterr().err


def test_exporting_an_endless_file_is_one_clear_line(tmp_path, capsys):
    assert main(["export", "/dev/zero", "--wav", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "/dev/zero" in err[0] and "line 1" in err[0] and "longer than" in err[0]
    long_line = write(tmp_path / "long.jsonl", raw_tail='{"t": 1, "action": "x", "pad": "' + "a" * (65 << 20))
    recording = read_recording(long_line)
    assert recording.problem and "line 2" in recording.problem and "longer than 64 MiB" in recording.problem


def test_a_recording_cut_by_a_disconnect_plays_out_what_remains_not_the_whole_bound(tmp_path, capsys):
    path = write(
        tmp_path / "cut.jsonl",
        {"t": 0, "action": "turn", "text": "Hello there.", "context_id": "turn_1"},
        {"t": 1.0, "dir": "sent", "text": OPEN},
        audio(0.4, 50.0),
        audio(0.4, 60.0),
    )  # cut here: no final, no close (a killed console)
    started = time.monotonic()
    assert main(["replay", path, "--headless", "--audio", "none", "--speed", "32"]) == 0
    took = time.monotonic() - started
    assert took < 8.0, took  # 0.8 s of audio to hear, not the 30 s play-out bound


def test_a_bad_header_field_is_named_as_the_files_not_as_an_option(tmp_path, capsys):
    for name, value in (("dialect", "klingon"), ("output_format", "pcm_12345")):
        path = write(tmp_path / f"{name}.jsonl", {"t": 0, "dir": "sent", "text": OPEN}, header={**HEADER, name: value})
        assert main(["replay", path, "--headless", "--audio", "none"]) == 2
        err = capsys.readouterr().err
        assert f"recording {path} line 1: bad header field '{name}': " in err, err
        assert "--dialect" not in err and "--output-format" not in err


@pytest.mark.parametrize(
    "url",
    [
        "ws://[::1/v1?authorization=sk_abcdef123456",
        "http://example.com/v1?xi_api_key=sk_abcdef123456&x=1",
        "ftp://h/v1?api-key=sk_abcdef123456",
    ],
)
def test_a_malformed_url_is_never_echoed_with_its_key(capsys, url):
    assert main(["--url", url, "--headless", "--no-record", "--audio", "none", "--provider", "local"]) == 2
    err = capsys.readouterr().err
    assert "sk_abcdef123456" not in err and "error" in err and "Traceback" not in err


def test_recordings_are_private_and_the_recorder_never_raises_on_odd_text(tmp_path):
    header = RecordingHeader(provider="local", dialect="elevenlabs", url="ws://h/", output_format="pcm_16000")
    folder = tmp_path / "new" / "recordings"
    with Recorder.create(folder, header) as recorder:
        recorder.action("turn", text="caf\udce9 \ud800", context_id="turn_1")
        recorder.frame("received", '{"contextId":"\ud800"}')
        path = recorder.path
    assert recorder.problem is None
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    recording = read_recording(path)
    assert recording.problem is None
    assert recording.actions("turn")[0].fields["text"] == "caf\udce9 \ud800"  # read back exactly
    assert recording.received[0].data == '{"contextId":"\ud800"}'
