"""What ships with the app and where it keeps its recordings, as the checkout sees it (the built
wheel is tests/test_install.py's)."""

from __future__ import annotations

from pathlib import Path

from tui.cli import build_parser, config_from_args, main
from tui.session.status import StatusStrip
from tui.shipped import (
    CHECKOUT,
    default_record_dir,
    find_recording,
    find_scenario,
    installed,
    shipped_demos,
    shipped_dir,
    shipped_scenarios,
)
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


def test_a_scenario_is_found_by_name_or_by_the_readmes_path_from_any_folder(tmp_path, monkeypatch):
    """`switchboard run elevenlabs` and the README's `switchboard run scenarios/elevenlabs.toml`
    work from wherever the user stands; a file that exists, or any other folder, is taken as typed."""
    shipped = CHECKOUT / "scenarios" / "elevenlabs.toml"
    names = shipped_scenarios()
    assert {"elevenlabs", "inworld", "cartesia", "elevenlabs-dialogue", "demo-flight-booking"} <= set(names)
    assert names == sorted(p.stem for p in (CHECKOUT / "scenarios").glob("*.toml"))
    monkeypatch.chdir(tmp_path)  # no scenarios/ here
    for typed in ("elevenlabs", "elevenlabs.toml", "scenarios/elevenlabs.toml"):
        assert find_scenario(typed) == shipped, typed
    assert find_scenario("no-such-scenario") == Path("no-such-scenario")
    assert find_scenario("elsewhere/elevenlabs.toml") == Path("elsewhere/elevenlabs.toml")
    (tmp_path / "scenarios").mkdir()
    own = tmp_path / "scenarios" / "elevenlabs.toml"
    own.write_text("[scenario]\n")
    assert find_scenario("scenarios/elevenlabs.toml") == Path("scenarios/elevenlabs.toml")  # a file that exists wins


def test_run_with_an_unknown_scenario_name_says_so_and_lists_the_shipped_ones(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "no-such-scenario"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("switchboard run: error: no-such-scenario: cannot read it") and "\n" not in err
    assert "(shipped: " in err and "elevenlabs-dialogue" in err and "Traceback" not in err
