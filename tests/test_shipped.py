"""What ships with the app and where it keeps its recordings, as the checkout sees it (the built
wheel is tests/test_install.py's)."""

from __future__ import annotations

from pathlib import Path

from tui.cli import build_parser, config_from_args
from tui.session.status import StatusStrip
from tui.shipped import CHECKOUT, default_record_dir, find_recording, installed, shipped_demos, shipped_dir
from tui.ui.widgets.status import timing_fields


def test_a_checkout_reads_the_top_level_folders_and_records_into_dot_recordings():
    assert not installed()
    assert shipped_dir("themes") == CHECKOUT / "themes" and shipped_dir("recordings") == CHECKOUT / "recordings"
    assert default_record_dir() == Path("recordings")
    assert config_from_args(build_parser().parse_args([]), environ={}).record_dir == Path("recordings")
    assert config_from_args(build_parser().parse_args(["--record-dir", "/tmp/x"]), environ={}).record_dir == Path(
        "/tmp/x"
    )


def test_a_demo_is_found_by_name_and_anything_else_is_left_as_typed(tmp_path, monkeypatch):
    demo = CHECKOUT / "recordings" / "demo-flight-booking.jsonl"
    assert "demo-flight-booking" in shipped_demos()
    monkeypatch.chdir(tmp_path)  # no recordings/ here: the name alone must find it
    assert find_recording("demo-flight-booking") == demo
    assert find_recording("demo-flight-booking.jsonl") == demo
    assert find_recording("no-such-demo") == Path("no-such-demo")
    assert find_recording("somewhere/demo-flight-booking") == Path("somewhere/demo-flight-booking")
    own = tmp_path / "mine.jsonl"
    own.write_text("{}\n")
    assert find_recording("mine.jsonl") == Path("mine.jsonl")  # a file that exists wins


def test_the_status_strip_names_the_recording_file_when_there_is_one():
    def texts(strip: StatusStrip) -> list[str]:
        return ["".join(text for text, _ in field) for field in timing_fields(strip)]

    assert not any(t.startswith("rec ") for t in texts(StatusStrip()))
    shown = texts(StatusStrip(recording="/data/switchboard/recordings/2026-11-29-local.jsonl"))
    assert shown[-1] == "rec /data/switchboard/recordings/2026-11-29-local.jsonl"
