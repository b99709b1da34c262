"""Recording: write a session, read it back byte-exact; secrets never reach the file."""

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tui.protocol import elevenlabs
from tui.protocol.secret import Secret
from tui.recording import (
    BARGE_IN,
    RECEIVED,
    SENT,
    TURN,
    ActionEntry,
    FrameEntry,
    Recorder,
    RecordingError,
    RecordingHeader,
    read_recording,
)
from tui.recording.scrub import base64_cores

from .fixtures.frozen_clock import FrozenClock

REPO = Path(__file__).resolve().parent.parent


def header(**overrides) -> RecordingHeader:
    values = dict(
        provider="local",
        dialect="elevenlabs",
        url="ws://127.0.0.1:8765/v1/text-to-speech/joe/multi-stream-input?output_format=pcm_16000",
        output_format="pcm_16000",
        voice="joe",
        model="piper",
        started_at="2026-11-21T10:00:00.000000Z",
    )
    values.update(overrides)
    return RecordingHeader(**values)


def test_every_frame_and_action_reads_back_byte_exact_with_monotonic_offsets(tmp_path):
    clock = FrozenClock()
    audio = bytes(range(256)) * 40
    written = [
        (SENT, elevenlabs.encode_client(elevenlabs.SendText(" ", "turn_1"))),
        (SENT, '{"text":"Café — ünïcode ✓ \\"quoted\\" ","context_id":"turn_1"}'),
        (RECEIVED, elevenlabs.encode_server(elevenlabs.Audio(audio, "turn_1"))),
        (RECEIVED, b"\x00\xff\xfe binary \x80 frame"),
        (RECEIVED, ""),
        (RECEIVED, '{"isFinal":true,"contextId":"turn_1"}'),
    ]
    with Recorder.create(tmp_path, header(), clock=clock) as rec:
        rec.action(TURN, text="Sure, when would you like to travel?", context_id="turn_1")
        for direction, data in written:
            clock.advance(0.0123)
            rec.frame(direction, data)
        clock.advance(-5.0)  # a misbehaving clock must not make offsets go backwards
        rec.action(BARGE_IN, context_id="turn_1")
    got = read_recording(rec.path)
    assert got.problem is None
    assert got.header == header()
    frames = got.frames()
    assert [(f.direction, f.data) for f in frames] == written
    assert all(type(f.data) is type(d) for f, (_, d) in zip(frames, written))
    offsets = [e.offset_ms for e in got.entries]
    assert offsets == sorted(offsets)
    assert frames[0].offset_ms == pytest.approx(12.3)
    assert frames[-1].offset_ms == pytest.approx(6 * 12.3)
    assert got.entries[0] == ActionEntry(
        0.0, TURN, {"text": "Sure, when would you like to travel?", "context_id": "turn_1"}
    )
    assert got.barge_ins == [ActionEntry(frames[-1].offset_ms, BARGE_IN, {"context_id": "turn_1"})]


def test_two_sessions_started_in_the_same_second_get_two_files(tmp_path):
    first = Recorder.create(tmp_path, header())
    second = Recorder.create(tmp_path, header())
    first.close(), second.close()
    assert first.path != second.path
    assert first.path.name.endswith("-local.jsonl")


def test_frames_from_several_threads_all_land_on_whole_lines(tmp_path):
    rec = Recorder.create(tmp_path, header())

    def write(n: int) -> None:
        for i in range(200):
            rec.frame(RECEIVED, json.dumps({"thread": n, "i": i, "pad": "x" * (i * 37 % 3000)}))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    rec.close()
    got = read_recording(rec.path)
    assert got.problem is None
    seen = sorted((obj["thread"], obj["i"]) for obj in (json.loads(f.data) for f in got.frames()))
    assert seen == sorted((n, i) for n in range(4) for i in range(200))


def test_writing_after_close_is_ignored_and_a_bad_folder_is_a_clear_error(tmp_path):
    rec = Recorder.create(tmp_path, header())
    rec.close()
    rec.frame(SENT, "late")
    rec.close()
    assert read_recording(rec.path).entries == []
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(RecordingError, match="cannot record in .*file"):
        Recorder.create(blocker / "sub", header())


# ---- secrets -------------------------------------------------------------------------------

KEY = 'sk_live_7f3a9c"e1b2+d4/5f6a7b8c9d0e1f2a3b4'  # a quote, a plus and a slash: every escape


def forms_of(key: str) -> list[bytes]:
    once = json.dumps(key)[1:-1]
    twice = json.dumps(once)[1:-1]
    raw = key.encode()
    b64 = [base64.b64encode(lead + raw).decode().rstrip("=") for lead in (b"", b"\x01", b"\x01\x02")]
    return [f.encode() for f in {key, once, twice, *base64_cores(raw)}] + [b.encode() for b in b64[:1]]


def test_a_key_never_reaches_the_file_raw_json_escaped_or_base64(tmp_path):
    url = f"wss://api.elevenlabs.io/v1/text-to-speech/v/multi-stream-input?xi_api_key={KEY}&output_format=pcm_16000"
    with Recorder.create(tmp_path, header(url=url), secrets=[Secret(KEY)]) as rec:
        first = elevenlabs.encode_client(elevenlabs.SendText(" ", "turn_1", xi_api_key=Secret(KEY)))
        assert KEY.replace('"', '\\"') in first  # the frame really carries it
        rec.frame(SENT, first)
        rec.frame(SENT, b"prefix" + KEY.encode() + b"suffix")
        rec.frame(SENT, b"\x01" + KEY.encode())
        rec.frame(RECEIVED, json.dumps({"echo": base64.b64encode(b"\x07\x08" + KEY.encode()).decode()}))
        rec.action("note", text=f"typed the key {KEY} by mistake", key=Secret(KEY))
    data = rec.path.read_bytes()
    for form in forms_of(KEY):
        assert form not in data, form
    got = read_recording(rec.path)
    assert got.problem is None
    assert "***" in got.header.url and "output_format=pcm_16000" in got.header.url
    assert json.loads(got.sent[0].data)["xi_api_key"] == "***"
    assert got.sent[1].data == b"prefix***suffix"


def test_a_url_credential_is_redacted_even_when_no_secret_is_given(tmp_path):
    url = "wss://global.api.murf.ai/v1/speech/stream-input?api-key=abcdef123456&format=PCM"
    with Recorder.create(tmp_path, header(url=url, dialect="murf")) as rec:
        pass
    assert b"abcdef123456" not in rec.path.read_bytes()


# ---- a session killed mid-stream -------------------------------------------------------------

CHILD = """
import sys, time
from tui.recording import Recorder, RecordingHeader
rec = Recorder.create(sys.argv[1], RecordingHeader("local", "elevenlabs", "ws://x/", "pcm_16000",
                      started_at="2026-11-21T10:00:00Z"))
print(rec.path, flush=True)
i = 0
while True:
    rec.frame("received", '{"i":%d,"pad":"%s"}' % (i, "a" * (i * 997 % 20000)))
    i += 1
    if i % 50 == 0:
        time.sleep(0.002)
"""


def test_a_session_killed_with_sigkill_reads_back_to_its_last_complete_line(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        path = Path(child.stdout.readline().strip())
        deadline = time.monotonic() + 30
        while path.stat().st_size < 2_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=10)
        child.stdout.close()
    got = read_recording(path)
    assert got.header is not None
    assert len(got.entries) > 50
    assert [json.loads(f.data)["i"] for f in got.frames()] == list(range(len(got.entries)))
    complete = path.read_bytes().rsplit(b"\n", 1)
    if complete[1]:  # killed mid-line: the reader says so and stops before it
        assert "incomplete" in got.problem and f"line {len(got.entries) + 2}" in got.problem
    else:
        assert got.problem is None


# ---- malformed recordings ----------------------------------------------------------------------


def good_lines(tmp_path) -> list[bytes]:
    clock = FrozenClock()
    with Recorder.create(tmp_path / "src", header(), clock=clock) as rec:
        for i in range(3):
            clock.advance(0.1)
            rec.frame(RECEIVED, f'{{"n":{i}}}')
    return rec.path.read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize(
    "name, mutate, line, why, usable",
    [
        ("truncated", lambda ls: ls[:3] + [ls[3][:-9]], 4, "incomplete", 2),
        ("bad-json", lambda ls: ls[:2] + [b'{"t": 5, "dir": \n'] + ls[3:], 3, "not valid JSON", 1),
        (
            "wrong-version",
            lambda ls: [ls[0].replace(b'"version":1', b'"version":7')] + ls[1:],
            1,
            "version 7 is not supported",
            0,
        ),
        ("empty", lambda ls: [], None, "empty", 0),
        ("garbage", lambda ls: [bytes(range(128, 256)) * 3 + b"\n"], 1, "not UTF-8", 0),
        ("not-a-recording", lambda ls: [b'{"hello": "world"}\n'], 1, "not a Switchboard recording", 0),
        ("backwards", lambda ls: ls[:3] + [ls[3].replace(b'"t":300.0', b'"t":1.0')], 4, "goes back", 2),
        ("no-offset", lambda ls: ls[:2] + [b'{"dir":"sent","text":"x"}\n'] + ls[3:], 3, "no offset", 1),
    ],
)
def test_a_malformed_recording_says_where_it_stops_and_keeps_what_is_before(tmp_path, name, mutate, line, why, usable):
    lines = mutate(good_lines(tmp_path))
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(b"".join(lines))
    got = read_recording(path)
    assert got.problem is not None and why in got.problem
    assert got.problem.startswith(f"{path}: ")  # the file as given, directory and all
    if line is not None:
        byte = sum(len(x) for x in lines[: line - 1])
        assert f"line {line} (byte {byte}" in got.problem
    assert [json.loads(f.data)["n"] for f in got.frames()] == list(range(usable))


def test_a_missing_file_is_a_problem_not_an_exception(tmp_path):
    got = read_recording(tmp_path / "nope.jsonl")
    assert got.header is None and "cannot open" in got.problem


def test_frame_entries_encode_text_and_binary_distinctly():
    assert FrameEntry(1.0, SENT, "x").to_json() == {"t": 1.0, "dir": SENT, "text": "x"}
    assert FrameEntry(1.0, SENT, b"x").to_json() == {"t": 1.0, "dir": SENT, "b64": "eA=="}
    with pytest.raises(ValueError, match="reserved"):
        ActionEntry(1.0, TURN, {"t": 3}).to_json()
