"""`switchboard run SCENARIO --compare ...`: one scenario against several targets, one report.

The local targets run for real (the embedded local server, tone voice, in its own process, with
each fault profile); hosted providers cannot be reached here, so their skip path and the
connection they would make (URL and headers, redacted) are checked without connecting, and a
target that cannot connect is a real refused connection on loopback."""

from __future__ import annotations

import argparse
import io
import json
import socket
import xml.etree.ElementTree as ET
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from tui.cli import build_parser, config_from_args, main
from tui.core.config import KEY_VARIABLES, resolve_config
from tui.scenario import parse_scenario
from tui.scenario.compare import (
    CompareError,
    Plan,
    Target,
    compare_failures,
    compare_report,
    exit_code,
    parse_targets,
    plan_target,
    play_target,
)

SCENARIO = """\
[scenario]
name = "compare me"
dialect = "elevenlabs"
output_format = "pcm_16000"
pace = 25
expect = ["turns == 2", "run_errors == 0"]

[[step]]
say = "Sure, I can look at the morning flights for you and tell you which ones fly direct."
expect = ["interrupted == true"]

[[step]]
barge_in = true
at_ms = 600

[[step]]
say = "Okay."
expect = ["final == true", "audio_s_received > 0"]

[[step]]
wait = "idle"
"""
SECRET = "sk_compare_test_0123456789abcdef"


@pytest.fixture
def no_keys(monkeypatch, tmp_path) -> Path:
    """No provider key anywhere: not in the environment, an empty env file."""
    for name in KEY_VARIABLES.values():
        monkeypatch.delenv(name, raising=False)
    env = tmp_path / "empty.env"
    env.write_text("", encoding="utf-8")
    return env


def cli(tmp_path: Path, env_file: Path, *options: str, text: str = SCENARIO) -> tuple[int, str, str]:
    scenario = tmp_path / "compare.toml"
    scenario.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    argv = ["run", str(scenario), "--local-voice", "tone", "--env-file", str(env_file), *options]
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def run_args(env_file: Path, *options: str) -> argparse.Namespace:
    return build_parser().parse_args(["run", "x.toml", "--env-file", str(env_file), *options])


# ---- the targets as typed -----------------------------------------------------------------------


def test_the_target_list_spells_out_every_fault_profile_and_names_each_target_once():
    names = [t.name for t in parse_targets("local, local:*,murf,local:peak-hour")]
    assert names == [
        "local",
        "local:peak-hour",
        "local:transatlantic",
        "local:quota-exhausted",
        "local:flaky-network",
        "murf",
    ]
    (none,) = parse_targets("local:none")
    assert none == Target("local:none", "local", "none")


@pytest.mark.parametrize(
    ("spelled", "says"),
    [
        ("local,,murf", "an empty target"),
        ("local,azure", "'azure' is not a provider"),
        ("murf:peak-hour", "only local takes a fault profile"),
        ("local:rush-hour", "'rush-hour' is not a fault profile"),
    ],
)
def test_a_bad_target_list_is_one_line(spelled, says):
    with pytest.raises(CompareError, match=says):
        parse_targets(spelled)


def test_a_bad_compare_or_an_option_naming_one_connection_exits_2(tmp_path, no_keys):
    code, out, err = cli(tmp_path, no_keys, "--compare", "local:rush-hour")
    assert code == 2 and "'rush-hour' is not a fault profile" in err and "Traceback" not in err
    code, _, err = cli(tmp_path, no_keys, "--compare", "local", "--url", "ws://127.0.0.1:9")
    assert code == 2 and "--url cannot go with --compare" in err
    code, _, err = cli(tmp_path, no_keys, "--compare", "local", "--server-faults", "peak-hour")
    assert code == 2 and "local:PROFILE for faults" in err


# ---- hosted providers: skipped, or the connection they would make ------------------------------


def test_a_provider_without_its_key_or_the_scenarios_dialect_is_skipped_with_a_line(tmp_path, no_keys):
    code, out, err = cli(tmp_path, no_keys, "--compare", "murf,elevenlabs,cartesia")
    assert "murf: skipped: the scenario is written for elevenlabs; murf speaks murf" in out
    assert "elevenlabs: skipped: --provider elevenlabs needs an API key: set ELEVENLABS_API_KEY" in out
    assert "cartesia: skipped: the scenario is written for elevenlabs" in out
    # Nothing ran: that is no comparison at all.
    assert code == 2 and "no target ran" in err and "Traceback" not in err


def test_each_provider_with_a_key_gets_its_own_endpoint_and_header_and_the_key_is_never_shown(tmp_path, no_keys):
    env = tmp_path / "keys.env"
    env.write_text("".join(f"{name}={SECRET}\n" for name in KEY_VARIABLES.values()), encoding="utf-8")
    anywhere = parse_scenario(SCENARIO.replace('dialect = "elevenlabs"\noutput_format = "pcm_16000"\n', ""), "any")
    args = run_args(env, "--compare", "elevenlabs,murf,inworld,cartesia")
    plans = {t.name: plan_target(anywhere, t, args, config_from_args) for t in parse_targets(args.compare)}
    expected = {
        "elevenlabs": ("wss://api.elevenlabs.io/v1/text-to-speech/", "/multi-stream-input?", "xi-api-key: ***"),
        "murf": ("wss://global.api.murf.ai/v1/speech/stream-input?", "model=FALCON", "api-key: ***"),
        "inworld": ("wss://api.inworld.ai/", "streamBidirectional", "Authorization: ***"),
        "cartesia": ("wss://api.cartesia.ai/tts/websocket?", "cartesia_version=", "X-API-Key: ***"),
    }
    for name, parts in expected.items():
        plan = plans[name]
        assert plan.config is not None and not plan.skipped, plan.skipped
        line = plan.describe()
        assert line.startswith(f"{name}: ") and all(p in line for p in parts), line
        assert SECRET not in line and SECRET[:12] not in line
        assert plan.config.dialect.value == {"elevenlabs": "elevenlabs"}.get(name, name)
    # A scenario written for Text-to-Dialogue goes to ElevenLabs' dialogue route; Murf is skipped.
    dialogue = parse_scenario(SCENARIO.replace('"elevenlabs"', '"elevenlabs-dialogue"'), "dialogue")
    eleven, murf = (plan_target(dialogue, t, args, config_from_args) for t in parse_targets("elevenlabs,murf"))
    assert "/text-to-dialogue/multi-stream-input?" in eleven.describe()
    assert murf.config is None and "written for elevenlabs-dialogue" in murf.skipped
    # A scripted barge-in after N words needs word timings, which Murf does not send.
    words = parse_scenario(
        SCENARIO.replace('dialect = "elevenlabs"\n', "").replace("at_ms = 600", "after_words = 3"), "words"
    )
    (skip,) = (plan_target(words, t, args, config_from_args) for t in parse_targets("murf"))
    assert "after_words: needs word timings, which murf does not send" in skip.describe()


def test_a_target_that_cannot_connect_fails_by_name_and_none_connecting_is_exit_2(threaded_local_server, no_keys):
    with socket.socket() as s:  # a port nothing listens on: the connection is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    scenario = parse_scenario(SCENARIO, "compare")
    unreachable = resolve_config(
        provider="elevenlabs",
        url=f"ws://127.0.0.1:{port}",
        env={"ELEVENLABS_API_KEY": SECRET},
        auto_reconnect=False,
        audio="none",
        record=False,
    )
    lost = play_target(scenario, Plan(Target("elevenlabs", "elevenlabs"), unreachable))
    assert lost.status == "no connection" and not lost.ran and SECRET not in lost.reason
    assert exit_code([lost]) == 2
    local = resolve_config(url=threaded_local_server.url, output_format="pcm_16000", audio="none", record=False)
    ran = play_target(scenario, Plan(Target("local", "local"), local), repeat=2)
    assert ran.status == "passed", compare_failures([ran])
    assert ran.report is not None and [r["run"] for r in ran.report["runs"]] == [1, 2]
    assert exit_code([ran]) == 0 and exit_code([ran, lost]) == 1
    (line,) = compare_failures([ran, lost])
    assert line.startswith("elevenlabs: no connection: ") and SECRET not in line
    report = compare_report(scenario, [ran, lost])
    assert report["passed"] is False and [t["status"] for t in report["targets"]] == ["passed", "no connection"]
    assert SECRET not in json.dumps(report)


# ---- the local server, plain and with fault profiles: one report ------------------------------


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> tuple[int, str, str, Path]:
    """One comparison as a user runs it: two fault profiles beside the plain server, two skips."""
    base = tmp_path_factory.mktemp("compare")
    env = base / "empty.env"
    env.write_text("", encoding="utf-8")
    scenario = base / "compare.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    report = base / "report"
    targets = "local,local:transatlantic,local:quota-exhausted,murf,inworld"
    argv = ["run", str(scenario), "--local-voice", "tone", "--env-file", str(env), "--report", str(report)]
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        for name in KEY_VARIABLES.values():
            mp.delenv(name, raising=False)
        with redirect_stdout(out), redirect_stderr(err):
            code = main([*argv, "--compare", targets])
    return code, out.getvalue(), err.getvalue(), report


def test_a_target_failing_its_expectations_exits_1_and_is_named(compared):
    code, out, err, folder = compared
    assert code == 1, out + err
    report = json.loads((folder / "report.json").read_text())
    failed = {line.split(": ", 1)[0] for line in report["failures"]}
    assert failed == {"local:quota-exhausted"}, report["failures"]
    assert "local:quota-exhausted: run 1, turn 2 (turn_2): audio_s_received > 0 failed" in out
    assert "**Failed**: local:quota-exhausted." in (folder / "report.md").read_text()


def test_the_combined_report_has_each_target_and_the_figures_side_by_side(compared):
    code, out, err, folder = compared
    report = json.loads((folder / "report.json").read_text())
    assert report["compare"] == ["local", "local:transatlantic", "local:quota-exhausted", "murf", "inworld"]
    status = {t["target"]: t["status"] for t in report["targets"]}
    assert status == {
        "local": "passed",
        "local:transatlantic": "passed",
        "local:quota-exhausted": "failed",
        "murf": "skipped",
        "inworld": "skipped",
    }
    by_name = {t["target"]: t for t in report["targets"]}
    assert by_name["local:transatlantic"]["faults"] == "transatlantic" and by_name["local"]["faults"] is None
    assert "the embedded local server (elevenlabs, faults transatlantic)" in out
    assert "inworld: skipped: the scenario is written for elevenlabs; inworld speaks inworld" in out
    for name in ("local", "local:transatlantic", "local:quota-exhausted"):
        (run,) = by_name[name]["report"]["runs"]
        assert run["provider"] == "local" and [t["turn"] for t in run["turns"]] == [1, 2]
    rows = report["side_by_side"]
    assert [r["target"] for r in rows["ttfa_ms"]] == ["local", "local:transatlantic", "local:quota-exhausted"]
    ttfa = {r["target"]: r for r in rows["ttfa_ms"]}
    # The profile holds every first audio back 180 ± 60 ms; the quota profile sends none at all.
    assert ttfa["local:transatlantic"]["p50"] >= 110 and ttfa["local:quota-exhausted"]["n"] == 0
    checked = {r["target"]: (r["passed"], r["of"]) for r in rows["expectations"]}
    assert checked["local"] == (5, 5) and checked["local:quota-exhausted"][0] < 5
    words = {r["target"]: r for r in rows["words_spoken"]}
    assert words["local"]["interrupted"] == 1 and words["local"]["total"] == 18
    page = (folder / "report.md").read_text()
    for title in ("## TTFA ms (from the flush)", "## close→final ms", "## late frames", "## words spoken"):
        assert title in page
    assert "| local:transatlantic | passed | elevenlabs | the embedded local server" in page


def test_the_page_stacks_one_timeline_per_target_on_one_time_axis(compared):
    _, _, _, folder = compared
    names = ["timeline-local-1.svg", "timeline-local-transatlantic-1.svg", "timeline-local-quota-exhausted-1.svg"]
    page = (folder / "report.md").read_text()
    at = [page.index(f"]({name})") for name in names]
    assert at == sorted(at) and page.index("## Timelines") < at[0]
    axes = set()
    for name in names:
        root = ET.parse(folder / name).getroot()
        description = next(e.text for e in root.iter() if e.tag.endswith("description"))
        axes.add(description)
        assert any((e.get("id") or "").startswith("lane-1-") for e in root.iter())
    assert len(axes) == 1, axes  # the same xlim in every picture
    html = (folder / "report.html").read_text()
    inline = [html.find((folder / name).read_text()[(folder / name).read_text().find("<svg") :]) for name in names]
    assert html.count("<svg") == 3 and -1 not in inline and inline == sorted(inline)


def test_every_target_passing_exits_0_and_a_skip_is_no_failure(tmp_path, no_keys):
    text = SCENARIO.replace('dialect = "elevenlabs"\n', "")  # no dialect: runs anywhere
    code, out, err = cli(tmp_path, no_keys, "--compare", "local:none,cartesia", text=text)
    assert code == 0, out + err
    assert "cartesia: skipped: --provider cartesia needs an API key: set CARTESIA_API_KEY" in out
    assert "PASSED: every target that ran held every expectation" in out
