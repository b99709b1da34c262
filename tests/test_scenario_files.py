"""Scenario files: a bad one is reported by line and key and nothing runs (exit 2); every
shipped one checks out. No server is needed: the file is checked before anything connects."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main
from tui.core.turn_end import TurnEnd
from tui.scenario import ScenarioError, load_scenario, parse_scenario
from tui.scenario.parse import KeyLines
from tui.scenario.spec import BargeIn, Command, LlmPace, Say, Wait

SHIPPED = sorted((Path(__file__).parent.parent / "scenarios").glob("*.toml"))

GOOD = """\
[scenario]
name = "good"
dialect = "elevenlabs"
pace = 12
expect = ["ttfa_ms.p95 < 300", "late_frames == 0"]

[scenario.settings]
stability = 0.6

[[step]]
say = "Hello there. How are you?"
pace = "llm"
llm_burst = 4
turn_end = "close-after-last-audio"
settings = { speed = 1.1 }
expect = ["interrupted == true", "words_spoken <= 8", 'error == "max_active_conversations"']

[[step]]
barge_in = true
after_words = 3

[[step]]
wait = "idle"
timeout_s = 5

[[step]]
wait_ms = 250

[[step]]
raw = '{"text": " ", "context_id": "x"}'

[[step]]
reconnect = true
"""


def test_a_good_file_becomes_typed_steps():
    sc = parse_scenario(GOOD, "good.toml")
    say, barge, wait, pause, raw, reconnect = sc.steps
    assert isinstance(say, Say) and say.pace == LlmPace(4, 0.25) and say.turn_end is TurnEnd.CLOSE_AFTER_LAST_AUDIO
    assert say.settings == {"speed": 1.1} and [e.name for e in say.expect] == ["interrupted", "words_spoken", "error"]
    assert say.expect[2].value == "max_active_conversations"
    assert barge == BargeIn(after_words=3)
    assert wait == Wait(until="idle", timeout_s=5) and pause == Wait(seconds=0.25)
    assert raw == Command("raw", '{"text": " ", "context_id": "x"}') and reconnect.name == "reconnect"
    assert sc.pace == 12 and sc.settings == {"stability": 0.6} and len(sc.expect) == 2
    assert sc.steps_lines == (10, 18, 22, 26, 29, 32)


def test_key_lines_count_the_step_tables_and_skip_multiline_strings():
    text = '[scenario]\nname = "x"\n\n[[step]]\nsay = """\npace = 3\n"""\n[[step]]\npace = 4\n'
    lines = KeyLines(text)
    assert lines.line(("scenario",), "name") == 2
    assert lines.line(("step", 1), "say") == 5
    assert lines.line(("step", 1), "pace") == 4  # the one inside the string is text: the table's line
    assert lines.line(("step", 2), "pace") == 9


# (file text, line, the key as reported, a word of the message)
BAD = {
    "syntax": ('[scenario]\nname = "x\n', 2, "", "not valid TOML"),
    "unknown key in a step": ('[[step]]\nsay = "Hi."\npaec = 3\n', 3, "step 1 → paec", "unknown key"),
    "two actions in a step": ('[[step]]\nsay = "Hi."\nbarge_in = true\n', 3, "step 1 → barge_in", "one of"),
    "no action in a step": ("[[step]]\npace = 3\n", 1, "step 1", "it has none"),
    "pace out of range": ('[[step]]\nsay = "Hi."\npace = 500\n', 3, "step 1 → pace", "between"),
    "unknown end-of-turn pattern": ('[[step]]\nsay = "Hi."\nturn_end = "slam"\n', 3, "step 1 → turn_end", "one of"),
    "unknown dialect": ('[scenario]\ndialect = "klingon"\n[[step]]\nsay = "Hi."\n', 2, "scenario → dialect", "one of"),
    "bad expectation": (
        '[scenario]\nexpect = ["ttfa_ms.p99 < 3"]\n[[step]]\nsay = "Hi."\n',
        2,
        "scenario → expect",
        "unknown aggregate .p99",
    ),
    "aggregate on a turn": (
        '[[step]]\nsay = "Hi."\nexpect = ["ttfa_ms.p95 < 3"]\n',
        3,
        "step 1 → expect",
        "takes no aggregate",
    ),
    "barge-in at a time and after words": (
        '[[step]]\nsay = "Hi."\n[[step]]\nbarge_in = true\nat_ms = 5\nafter_words = 2\n',
        6,
        "step 2 → after_words",
        "not both",
    ),
    "raw frame not JSON": ("[[step]]\nraw = '{text: 1}'\n", 2, "step 1 → raw", "not JSON"),
    "a connection option as a turn's setting": (
        '[[step]]\nsay = "Hi."\nsettings = { seed = 4 }\n',
        3,
        "step 1 → settings.seed",
        "connection option",
    ),
    "a setting out of range": (
        '[[step]]\nsay = "Hi."\n\n[step.settings]\nspeed = 9\n',
        5,
        "step 1 → settings.speed",
        "0.7",
    ),
    "no steps": ('[scenario]\nname = "x"\n', 1, "scenario", "no steps"),
    "after words on murf": (
        '[scenario]\ndialect = "murf"\n[[step]]\nsay = "Hi."\n[[step]]\nbarge_in = true\nafter_words = 2\n',
        7,
        "step 2 → after_words",
        "word timings",
    ),
    "unknown wait": ('[[step]]\nwait = "forever"\n', 2, "step 1 → wait", "one of"),
    "bad fault spec": (
        '[scenario]\nserver_faults = "earthquake"\n[[step]]\nsay = "Hi."\n',
        2,
        "scenario → server_faults",
        "earthquake",
    ),
    "wrong type": ('[scenario]\nguard = "no"\n[[step]]\nsay = "Hi."\n', 2, "scenario → guard", "true or false"),
    "unknown table": ('[scenaro]\nname = "x"\n[[step]]\nsay = "Hi."\n', 1, "", "unknown table"),
}


@pytest.mark.parametrize("kind", BAD)
def test_a_bad_file_exits_2_naming_its_line_and_key_and_runs_nothing(kind, tmp_path, capsys):
    text, line, key, words = BAD[kind]
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    # A URL where nothing listens: had it run, the message would be about the connection.
    assert main(["run", str(path), "--url", "ws://127.0.0.1:9", "--no-reconnect"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{path}:{line}: " in err, err
    assert key in err and words in err, err
    assert "connection" not in err.replace("connection option", "")


def test_an_unreadable_or_binary_file_is_reported_in_one_line(tmp_path, capsys):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'[scenario]\nname = "\xff\xfe"\n')
    assert main(["run", str(binary)]) == 2
    assert f"{binary}:2: not UTF-8 text" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read it" in capsys.readouterr().err


def test_a_scenario_error_names_path_line_and_key():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario('[[step]]\nsay = "Hi."\n[[step]]\nwait_ms = -1\n', "x.toml")
    assert str(caught.value) == "x.toml:4: step 2 → wait_ms: must be between 0 and 600000, not -1"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_checks_out_and_expects_something(path):
    sc = load_scenario(path)
    assert sc.steps and (sc.expect or any(isinstance(s, Say) and s.expect for s in sc.steps))
