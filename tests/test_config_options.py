"""ConsoleConfig's options are typed fields and resolve_config's are named keywords (issue 12):
a misspelt option is an error where it is written, not a key nobody reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import build_parser, config_from_args
from tui.core import ConfigError, resolve_config
from tui.core.turn_end import DEFAULT_TURN_END, TurnEnd
from tui.protocol.urls import AUTH_HEADER
from tui.recording.writer import DEFAULT_CAP_MB

ROOT = Path(__file__).resolve().parent.parent


def test_the_command_line_fills_typed_fields():
    args = build_parser().parse_args(
        [
            "--headless",
            "--record-cap-mb",
            "12.5",
            "--turn-end",
            "flush-only",
            "--auth",
            "body",
            "--server-faults",
            "quota",
        ]
    )
    config = config_from_args(args, environ={})
    assert config.headless is True and config.record_cap_mb == 12.5
    assert config.turn_end is TurnEnd("flush-only") and config.auth == "body"
    assert config.server_faults == "quota" and config.fault_seed is None


def test_left_out_options_take_their_defaults():
    config = resolve_config()
    assert (config.headless, config.record_cap_mb, config.turn_end, config.auth) == (
        False,
        DEFAULT_CAP_MB,
        DEFAULT_TURN_END,
        AUTH_HEADER,
    )
    assert config.server_faults is None and config.fault_seed is None
    assert config_from_args(build_parser().parse_args([]), environ={}) == resolve_config(record_cap_mb=DEFAULT_CAP_MB)


@pytest.mark.parametrize("misspelt", ["turn_ends", "record_cap", "headles", "server_fault"])
def test_a_misspelt_option_is_refused_at_the_call(misspelt):
    with pytest.raises(TypeError, match=misspelt):
        resolve_config(**{misspelt: "x"})


def test_mypy_refuses_a_misspelt_option_before_it_runs():
    snippet = "from tui.core import resolve_config\nresolve_config(turn_ends='flush-only')\n"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file=",
            "--follow-imports=silent",
            "--cache-dir=/dev/null",
            "-c",
            snippet,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1 and 'Unexpected keyword argument "turn_ends"' in out.stdout, out.stdout


@pytest.mark.parametrize(
    ("options", "message"),
    [({"turn_end": "flush-later"}, "--turn-end: "), ({"auth": "query"}, "--auth: auth must be one of header, body")],
)
def test_a_bad_value_is_one_line_naming_its_option(options, message):
    with pytest.raises(ConfigError) as error:
        resolve_config(**options)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_a_scenario_played_live_reads_the_consoles_server_faults_from_the_typed_field():
    from tui.core import Console
    from tui.scenario.live import LivePlay
    from tui.scenario.parse import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "fault-peak-hour.toml")
    assert scenario.server_faults
    plain = Console(resolve_config(local_voice="tone", audio="none", record=False))
    (note,) = LivePlay(scenario, plain).notes()
    assert f"rehearses the local server's faults '{scenario.server_faults}'" in note and "runs with none" in note
    same = Console(resolve_config(local_voice="tone", audio="none", record=False, server_faults=scenario.server_faults))
    assert LivePlay(scenario, same).notes() == []
