"""`switchboard run` against the REAL local server on loopback (tone voice, on its own thread),
through the command line as a user runs it: exit codes, the report, the timeline picture."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from tui.cli import main

SVG = "{http://www.w3.org/2000/svg}"

TWO_BARGE_INS = """\
[scenario]
name = "two barge-ins"
dialect = "elevenlabs"
output_format = "pcm_16000"
pace = 20

[[step]]
say = "Sure. I can look at the morning and the evening flights for you and tell you which ones fly direct."
expect = ["interrupted == true"]

[[step]]
barge_in = true
at_ms = 900

[[step]]
say = "Of course. Your seat is by the window, near the front, with extra room for your legs."
expect = ["interrupted == true"]

[[step]]
barge_in = true
at_ms = 700

[[step]]
say = "Done."
expect = ["final == true", "interrupted == false"]

[[step]]
wait = "idle"
"""

FAILING = """\
[scenario]
name = "failing"
dialect = "murf"
output_format = "pcm_16000"
pace = 30
expect = ["turns == 1", "late_frames.max > 5"]

[[step]]
say = "Hello there."
expect = ["final == true", "interrupted == true"]

[[step]]
wait = "idle"
"""


def run(tmp_path: Path, text: str, url: str, *more: str) -> tuple[int, Path]:
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(text, encoding="utf-8")
    report = tmp_path / "report"
    return main(["run", str(scenario), "--url", url, "--report", str(report), *more]), report


def numbers(d: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]


def first_path(root: ET.Element, gid: str) -> list[float]:
    element = next(e for e in root.iter() if e.get("id") == gid)
    path = element if element.tag == f"{SVG}path" else next(element.iter(f"{SVG}path"))
    return numbers(path.get("d", ""))


def marker_time(root: ET.Element, gid: str, xlim: tuple[float, float]) -> float:
    """The time a vertical marker stands at, read back from its pixels and the axes' extent."""
    axes = first_path(root, "timeline-axes")
    left, right = min(axes[0::2]), max(axes[0::2])
    x = first_path(root, gid)[0]
    return xlim[0] + (x - left) / (right - left) * (xlim[1] - xlim[0])


def test_the_timeline_has_one_lane_per_context_and_barge_ins_at_the_scripted_times(
    threaded_local_server, tmp_path, capsys
):
    code, folder = run(tmp_path, TWO_BARGE_INS, threaded_local_server.url)
    out = capsys.readouterr().out
    assert code == 0, out
    report = json.loads((folder / "report.json").read_text())
    (run1,) = report["runs"]
    contexts = [t["context_id"] for t in run1["turns"]]
    assert contexts == ["turn_1", "turn_2", "turn_3"]
    svg = folder / "timeline-1.svg"
    root = ET.parse(svg).getroot()
    ids = [e.get("id") or "" for e in root.iter()]
    lanes = {m.group(1) for i in ids if (m := re.fullmatch(r"lane-(\d+)-\d+", i))}
    assert len(lanes) == len(contexts) == len(run1["lanes"])
    description = next(e.text for e in root.iter() if e.tag.endswith("description"))
    xlim = tuple(float(v) for v in description.removeprefix("xlim=").split(","))
    # Scripted: at_ms after the turn it follows was handed over (the turn's start, as recorded).
    scripted = [run1["turns"][0]["started_s"] + 0.9, run1["turns"][1]["started_s"] + 0.7]
    drawn = [marker_time(root, f"barge-in-{n}", xlim) for n in (1, 2)]
    for want, got in zip(scripted, drawn):
        assert abs(got - want) < 0.05, (scripted, drawn)
    assert [b["context_id"] for b in run1["barge_ins"]] == ["turn_1", "turn_2"]
    # The page: Markdown with the picture beside it, HTML with it inline.
    page = (folder / "report.md").read_text()
    assert "![timeline of run 1](timeline-1.svg)" in page and "**Passed**" in page
    assert "barge-in-1" in (folder / "report.html").read_text()


def test_a_failing_expectation_exits_1_and_the_report_names_it(threaded_local_server, tmp_path, capsys):
    code, folder = run(tmp_path, FAILING, threaded_local_server.url)
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED: 2 expectation(s)" in out
    assert "turn 1 (turn_1): interrupted == true failed: got False" in out
    report = json.loads((folder / "report.json").read_text())
    assert report["passed"] is False
    failed = [(o["where"], o["expectation"]) for o in report["runs"][0]["expectations"] if not o["ok"]]
    assert failed == [("turn 1 (turn_1)", "interrupted == true"), ("run", "late_frames.max > 5")]
    turn = report["runs"][0]["turns"][0]
    assert turn["final"] is True and turn["audio_s_received"] > 0 and turn["words_spoken"] is None  # murf: no timings
    page = (folder / "report.md").read_text()
    assert "**Failed**: 2 expectation(s)" in page and "| ✗ | interrupted == true | turn 1 (turn_1) |" in page


def test_repeat_runs_it_again_and_reports_each_run_and_the_figures_over_all(threaded_local_server, tmp_path, capsys):
    text = FAILING.replace('"late_frames.max > 5"', '"ttfa_ms.p95 < 5000"').replace('"interrupted == true"', "")
    code, folder = run(tmp_path, text, threaded_local_server.url, "--repeat", "2")
    assert code == 0, capsys.readouterr().out
    report = json.loads((folder / "report.json").read_text())
    assert [r["run"] for r in report["runs"]] == [1, 2]
    assert report["figures"]["ttfa_ms"]["n"] == 2
    for r in report["runs"]:
        (turn,) = r["turns"]
        assert set(turn) >= {
            "context_id",
            "ttfa_ms",
            "ttfa_text_ms",
            "close_to_final_ms",
            "late_frames",
            "audio_s_received",
            "audio_s_heard",
            "words_spoken",
            "words_total",
            "interrupted",
            "errors",
        }
        assert r["figures"]["ttfa_ms"]["p50"] == turn["ttfa_ms"]
    assert (folder / "timeline-2.svg").is_file()


def test_no_connection_exits_2_with_one_line(tmp_path, capsys):
    code, _ = run(tmp_path, FAILING, "ws://127.0.0.1:9", "--no-reconnect")
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no connection" in err and "Traceback" not in err
