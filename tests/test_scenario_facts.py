"""The runner's facts on a frozen clock: a session model fed frames as the console feeds it,
the collector watching it, and the report and timeline built from what it kept. No server:
every time below is exact."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from tui.protocol import elevenlabs
from tui.protocol.dialect import Dialect
from tui.protocol.formats import AudioFormat
from tui.protocol.frames import Audio, Final
from tui.scenario import facts, parse_scenario
from tui.scenario.facts import Collector, Tap
from tui.scenario.report import run_report
from tui.scenario.runner import Pressed, RunResult, Submitted
from tui.scenario.timeline import draw_timeline
from tui.session import Connected, FrameReceived, FrameSent, Interrupted, Session, SpeakerProgress, TurnOpened, Wire

PCM = AudioFormat("pcm", 16000)
EL = Wire(Dialect.ELEVENLABS)
SCENARIO = parse_scenario(
    '[[step]]\nsay = "Hello there."\nexpect = ["interrupted == true", "late_frames == 1"]\n'
    "[[step]]\nbarge_in = true\nat_ms = 500\n"
    '[[step]]\nsay = "Six."\nexpect = [\'error == "max_active_conversations"\']\n',
    "facts.toml",
)


class Fed:
    """A session, a collector and a tap, fed the way the console feeds them."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.session = Session(Dialect.ELEVENLABS, PCM, clock=clock, guard=False)
        self.tap = Tap(Dialect.ELEVENLABS, clock)
        self.collector = Collector(self.session, clock, clock())
        self.tap.t0 = self.collector.t0
        self.apply(Connected("ws://test"))

    def apply(self, event) -> None:
        self.collector.on_changes(self.session.apply(event))

    def send(self, *frames: str) -> None:
        for frame in frames:
            self.tap.frame("sent", frame)
            self.apply(FrameSent(frame))

    def receive(self, raw: str) -> None:
        self.tap.frame("received", raw)
        self.apply(FrameReceived(raw))

    def turn(self, cid: str, text: str) -> None:
        self.tap.action("turn", context_id=cid, text=text)
        self.apply(TurnOpened(cid, text))
        self.send(*EL.open(cid))


def test_each_moment_of_a_context_lands_on_its_lane_at_the_clock_time_it_happened(frozen_clock):
    fed = Fed(frozen_clock)
    fed.turn("turn_1", "Hello there.")
    frozen_clock.advance(0.1)
    fed.send(*EL.text("turn_1", "Hello ", False))
    frozen_clock.advance(0.1)
    fed.send(*EL.text("turn_1", "there. ", True))
    frozen_clock.advance(0.2)
    fed.receive(elevenlabs.encode_server(Audio(b"\x01" * 8000, "turn_1")))  # 0.25 s at 16 kHz
    frozen_clock.advance(0.1)
    fed.apply(SpeakerProgress("turn_1", 1600, 16000, False))
    frozen_clock.advance(0.1)
    fed.tap.action("barge-in", context_id="turn_1", heard=0.1)
    fed.apply(Interrupted("turn_1", 0.1, frozen_clock(), 0.0))
    fed.send(EL.barge_in("turn_1"))
    frozen_clock.advance(0.05)
    fed.receive(elevenlabs.encode_server(Audio(b"\x01" * 3200, "turn_1")))  # late: dropped, counted
    frozen_clock.advance(0.05)
    fed.receive(elevenlabs.encode_server(Final("turn_1")))
    # A sixth context refused by the server: its error frame names no context.
    fed.turn("turn_2", "Six.")
    fed.session.status.overflow_contexts.append("turn_2")
    fed.receive(json.dumps({"message": "Maximum simultaneous contexts", "error": "max_active_conversations"}))

    (lane, lane2) = fed.collector.lanes
    assert (lane.context_id, lane.slot, lane.opened) == ("turn_1", 1, 0.0)
    assert [round(t, 3) for t in lane.text] == [0.0, 0.1, 0.2]  # the opening frame carries " "
    assert [(round(t, 3), s) for t, s in lane.audio] == [(0.4, 0.25)]
    assert [(round(t, 3), s) for t, s in lane.heard] == [(0.5, 0.1)]
    assert round(lane.barge_in, 3) == 0.6 and round(lane.closed, 3) == 0.6 and round(lane.final, 3) == 0.7
    assert lane.metrics.late_frames == 1

    result = RunResult(SCENARIO, "local", "elevenlabs", "ws://test", 0.0, duration_s=0.8)
    result.submitted = [Submitted(1, "Hello there.", 0.0, 20.0, "flush-close"), Submitted(3, "Six.", 0.7, 20, "")]
    result.barge_ins = [Pressed(2, "turn_1", 0.6, 0.5)]
    result.lanes, result.collector, result.tap = fed.collector.lanes, fed.collector, fed.tap
    report = run_report(result)
    first, sixth = report["turns"]
    assert first["ttfa_ms"] == 200.0 and first["ttfa_text_ms"] == 300.0 and first["close_to_final_ms"] == 100.0
    assert first["interrupted"] and first["audio_s_heard"] == 0.1 and first["late_frames"] == 1
    assert sixth["context_id"] == "turn_2" and sixth["error"] == "max_active_conversations"
    assert report["passed"] and report["barge_ins"][0]["error_ms"] == 100.0
    assert report["server_errors"][0]["code"] == "max_active_conversations"
    assert lane2.context_id == "turn_2"


def test_the_picture_puts_each_barge_in_where_the_report_says(frozen_clock, tmp_path):
    run = {
        "duration_s": 4.0,
        "run_errors": [{"at_s": 3.5, "message": "connection closed (code 1008)"}],
        "barge_ins": [
            {"context_id": "turn_1", "pressed_s": 1.25, "scripted_s": 1.2},
            {"context_id": "turn_2", "pressed_s": 2.5, "scripted_s": None},
        ],
        "lanes": [
            {
                "context_id": f"turn_{n}",
                "slot": n,
                "opened_s": n - 1.0,
                "text_s": [n - 1.0, n - 0.9],
                "audio": [[n - 0.7, 0.5]],
                "heard": [[n - 0.5, 0.2], [n - 0.3, 0.4]],
                "closed_s": n - 0.8,
                "final_s": n - 0.2,
                "errors": [[n - 0.1, "boom"]] if n == 3 else [],
            }
            for n in (1, 2, 3)
        ],
    }
    root = ET.parse(draw_timeline(run, tmp_path / "t.svg")).getroot()
    ids = [e.get("id") or "" for e in root.iter()]
    assert len({m.group(1) for i in ids if (m := re.fullmatch(r"lane-(\d+)-\d+", i))}) == 3
    assert {"barge-in-1", "barge-in-2", "scripted-1", "timeline-axes"} <= set(ids) and "scripted-2" not in ids

    def x_of(gid: str) -> float:
        path = next(next(e.iter("{http://www.w3.org/2000/svg}path")) for e in root.iter() if e.get("id") == gid)
        return float(re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))[0])

    axes = [
        float(v)
        for v in re.findall(
            r"-?\d+(?:\.\d+)?",
            next(
                next(e.iter("{http://www.w3.org/2000/svg}path")) for e in root.iter() if e.get("id") == "timeline-axes"
            ).get("d"),
        )
    ]
    left, right = min(axes[0::2]), max(axes[0::2])
    description = next(e.text for e in root.iter() if e.tag.endswith("description"))
    lo, hi = (float(v) for v in description.removeprefix("xlim=").split(","))
    for gid, want in (("barge-in-1", 1.25), ("scripted-1", 1.2), ("barge-in-2", 2.5)):
        assert abs(lo + (x_of(gid) - left) / (right - left) * (hi - lo) - want) < 0.005


def test_heard_spans_leave_a_gap_where_the_speaker_was_starved():
    # Reports every 0.28 s while playing; from 16.53 to 22.15 the speaker had no audio (the next
    # sentence was not sent: a paused scenario), then played 0.29 s more.
    heard = [(14.13, 0.0), (16.24, 0.287), (16.53, 0.571), (22.15, 0.861), (22.35, 1.065)]
    spans = facts.heard_spans(heard)
    assert len(spans) == 2
    (a0, a1), (b0, b1) = spans
    assert a0 == pytest.approx(16.24 - 0.287) and a1 == 16.53
    assert b0 == pytest.approx(22.15 - 0.29, abs=1e-6) and b1 == 22.35
    assert sum(end - start for start, end in spans) == pytest.approx(1.065, abs=0.01)
    assert facts.heard_spans([]) == [] and facts.heard_spans([(1.0, 0.0)]) == []
