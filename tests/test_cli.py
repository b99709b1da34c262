"""The `switchboard` command line: options resolve to a config, bad values are one-line errors,
keys come from the environment or .env and never show."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tui.cli import build_parser, config_from_args, main
from tui.core.config import ConfigError, resolve_config
from tui.protocol.dialect import Dialect

KEY = "sk_test_0123456789abcdef"


def error_of(argv, capsys, env=None, monkeypatch=None) -> str:
    if monkeypatch is not None:
        for name in ("ELEVENLABS_API_KEY", "MURF_API_KEY"):
            monkeypatch.delenv(name, raising=False)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_info:
        code = main(argv)
        raise SystemExit(code)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # exactly one line
    return err


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--provider", "acme"], "--provider must be one of local, elevenlabs, murf"),
        (["--output-format", "wav_9"], "unknown output_format 'wav_9'"),
        (["--output-format", "opus_48000_64"], "cannot play Opus"),
        (["--dialect", "murf", "--output-format", "pcm_22050"], "no Murf equivalent"),
        (["--inactivity-timeout", "0"], "--inactivity-timeout must be 1..180"),
        (["--inactivity-timeout", "soon"], "invalid int value: 'soon'"),
        (["--audio", "speakers"], "--audio must be one of"),
        (["--local-voice", "robot"], "--local-voice must be one of piper, tone"),
        (["--rate", "500"], "--rate: rate must be between 0.5 and 50"),
        (["--url", "http://example.com"], "--url must be a ws:// or wss:// URL"),
        (["--dialect", "klingon"], "--dialect must be one of"),
        (["replay-all"], "invalid choice: 'replay-all'"),
        (["serve", "--port", "http"], "switchboard serve: error: argument --port:"),
    ],
)
def test_bad_values_are_one_line_errors(argv, says, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert says in error_of(argv, capsys, monkeypatch=monkeypatch)


def test_a_real_provider_without_a_key_says_which_variable_to_set(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    err = error_of(["--provider", "murf"], capsys, monkeypatch=monkeypatch)
    assert "needs an API key: set MURF_API_KEY" in err and "Traceback" not in err


def test_the_key_comes_from_dotenv_and_the_environment_wins(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text(f"ELEVENLABS_API_KEY={KEY}\nMURF_API_KEY=from-file\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    monkeypatch.setenv("MURF_API_KEY", "from-env")
    el = config_from_args(build_parser().parse_args(["--provider", "elevenlabs"]))
    assert el.api_key.reveal() == KEY and KEY not in repr(el)
    mu = config_from_args(build_parser().parse_args(["--provider", "murf"]))
    assert mu.api_key.reveal() == "from-env" and mu.dialect is Dialect.MURF


def test_provider_defaults_and_endpoints_for_each_dialect():
    local = resolve_config()
    assert local.embedded and local.dialect is Dialect.ELEVENLABS and local.api_key is None
    assert local.endpoint("ws://127.0.0.1:9") == (
        "ws://127.0.0.1:9/v1/text-to-speech/joe/multi-stream-input?output_format=pcm_22050&inactivity_timeout=20"
        "&sync_alignment=true"
    )
    murf = resolve_config(provider="murf", env={"MURF_API_KEY": KEY}, output_format="ulaw_8000")
    assert murf.endpoint() == (
        "wss://global.api.murf.ai/v1/speech/stream-input?model=FALCON&sample_rate=8000&format=ULAW&channel_type=MONO"
    )
    el = resolve_config(provider="elevenlabs", env={"ELEVENLABS_API_KEY": KEY}, inactivity_timeout=180)
    assert el.endpoint().startswith(
        "wss://api.elevenlabs.io/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/"
        "multi-stream-input?model_id=eleven_flash_v2_5&output_format=pcm_22050"
    )
    assert KEY not in el.endpoint()


def test_a_full_url_is_used_as_is_and_its_path_names_the_dialect():
    url = "ws://127.0.0.1:8765/v1/speech/stream-input?format=PCM&sample_rate=24000"
    config = resolve_config(url=url)
    assert config.dialect is Dialect.MURF and config.endpoint() == url and not config.embedded
    single = resolve_config(url="ws://h:1/v1/text-to-speech/v/stream-input")
    assert single.dialect is Dialect.ELEVENLABS_SINGLE


def test_serve_is_wired_to_the_servers_own_functions():
    from tui.server.cli import run_serve

    args = build_parser().parse_args(["serve", "--port", "0", "--voice", "tone"])
    assert args.run is run_serve and args.port == 0 and args.voice == "tone"


def test_config_errors_are_value_errors_with_one_line():
    with pytest.raises(ConfigError) as info:
        resolve_config(provider="elevenlabs", env={})
    assert "\n" not in str(info.value)


def test_the_command_prints_one_line_and_exits_2_as_a_process(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "--provider", "elevenlabs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[1])},
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "switchboard: error: --provider elevenlabs needs an API key: set ELEVENLABS_API_KEY in the "
        "environment or in .env (see .env.example)"
    ]


def test_a_subcommand_option_that_prefixes_a_top_level_one_reaches_the_subcommand():
    # `run --record` once died as "ambiguous option: --record could match --record-dir, --record-cap-mb".
    from tui.cli import build_parser

    args = build_parser().parse_args(["run", "elevenlabs", "--record"])
    assert args.record is True and str(args.scenario) == "elevenlabs"
