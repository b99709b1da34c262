"""The `switchboard` command line.

`switchboard [options]` opens the console; `switchboard SUBCOMMAND ...` runs one of the table
below. Adding a subcommand is one small function that adds its parser and sets `run`, listed
in SUBCOMMANDS. Every error is one line on stderr (exit 2 for bad usage, 1 for failures).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from tui.choices import AUDIO_BACKENDS, DEFAULT_LOCAL_VOICE, LOCAL_VOICES
from tui.core.config import PROVIDERS, ConfigError, ConsoleConfig, resolve_config
from tui.core.turn_end import TURN_ENDS
from tui.protocol.dialect import Dialect
from tui.protocol.urls import AUTH_MODES, redact_query_secrets
from tui.recording.writer import DEFAULT_CAP_MB
from tui.session.pacer import DEFAULT_RATE
from tui.shipped import default_record_dir, find_recording, shipped_demos

PROG = "switchboard"


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (`switchboard: error: ...`), not usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {redact_query_secrets(message)} (see --help)\n")


class _Version(argparse.Action):
    """`--version`: the installed version, looked up only when asked (keeps --help quick)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> NoReturn:
        from tui.shipped import version

        print(f"{PROG} {version()}")
        parser.exit(0)


# ---- subcommands: one small function each ---------------------------------------------------

RECORDING_HELP = (
    "a recording file, or a shipped demo or one of your recordings by name (e.g. "
    f"{', '.join(shipped_demos()) or 'demo-flight-booking'})"
)


def _serve(sub: argparse._SubParsersAction) -> None:
    from tui.server.cli import add_serve_arguments, run_serve

    parser = sub.add_parser(
        "serve", help="run the local multi-context TTS server", description="Run the local multi-context TTS server."
    )
    add_serve_arguments(parser)
    parser.set_defaults(run=run_serve)


def _replay(sub: argparse._SubParsersAction) -> None:
    """`switchboard replay FILE [--speed X]`: a recording played back offline, as if live."""
    parser = sub.add_parser(
        "replay",
        help="play a recorded session back (no server, no network)",
        description="Play a recording back as if live: the same slots, countdowns, "
        "transcript, frame log and sound. Nothing is sent anywhere.",
    )
    parser.add_argument("file", type=find_recording, help=RECORDING_HELP)
    parser.add_argument("--speed", type=float, default=1.0, help="playback speed, 0.05 to 32 (default 1)")
    parser.add_argument("--audio", help=f"speaker backend: {' | '.join(AUDIO_BACKENDS)}")
    parser.add_argument(
        "--paused",
        action="store_true",
        help="start paused (space plays; in the line console type a control and Enter: p, step, next, speed X)",
    )
    parser.add_argument(
        "--headless", action="store_true", help="play in the line console instead of the full-screen one"
    )

    def run(args: argparse.Namespace) -> int:
        options = {"speed": args.speed, "paused": args.paused, "audio": args.audio}
        if args.headless:
            import asyncio

            from tui.core.headless import replay_lines

            return asyncio.run(replay_lines(args.file, **options))
        from tui.ui.run import run_replay

        return run_replay(args.file, **options)

    parser.set_defaults(run=run)


def _export(sub: argparse._SubParsersAction) -> None:
    """`switchboard export FILE --wav DIR`: one WAV per context and one mixed "as heard"."""
    parser = sub.add_parser(
        "export",
        help="write a recording's audio as WAV files",
        description="Write one WAV per context and as-heard.wav (what the listener "
        "heard: barge-ins honoured) into DIR.",
    )
    parser.add_argument("file", type=find_recording, help=RECORDING_HELP)
    parser.add_argument("--wav", type=Path, required=True, metavar="DIR", help="folder for the WAV files")

    def run(args: argparse.Namespace) -> int:
        from tui.core.export import ExportError, export_wav  # with the speaker's decoder: MP3, WAV, stereo
        from tui.recording import read_recording

        recording = read_recording(args.file)
        try:
            result = export_wav(recording, args.wav)
        except ExportError as exc:  # says the recording's own problem too: one line
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return 1
        if recording.problem:  # exported what is before the problem
            print(f"{PROG}: {recording.problem}", file=sys.stderr)
        for path in result.files:
            print(path)
        print(f"{result.heard_seconds:.2f} s heard")
        return 0

    parser.set_defaults(run=run)


def _run(sub: argparse._SubParsersAction) -> None:
    """`switchboard run SCENARIO`: a scenario file played headless, with a report (tui.scenario)."""
    parser = sub.add_parser(
        "run",
        help="run a scenario file headless and report (exit 0 passed, 1 an expectation failed, 2 bad file)",
        description="Run a scenario (scenarios/README.md) against any provider, headless: a progress "
        "bar while it runs, a summary table, and with --report a JSON report, a Markdown and an HTML "
        "page with the timeline. Exit 0 when every expectation holds, 1 when one fails, 2 for a bad "
        "scenario file or no connection.",
    )
    parser.add_argument(
        "scenario",
        type=Path,
        help="a scenario file (TOML), or a shipped one by name: elevenlabs, demo-flight-booking, ...",
    )
    parser.add_argument("--report", type=Path, metavar="DIR", help="write report.json, report.md, report.html here")
    parser.add_argument("--repeat", type=int, default=1, metavar="N", help="run it N times (default 1)")
    parser.add_argument("--record", action="store_true", help="also record each run (--record-dir)")
    parser.add_argument(
        "--compare",
        metavar="TARGETS",
        help="run it against each of these in turn, comma-separated, into one report (figures side by side, "
        "timelines stacked): local (the embedded server), local:PROFILE (with a fault profile: peak-hour, "
        "transatlantic, quota-exhausted, flaky-network; local:none, local:* for all), elevenlabs, murf, "
        "inworld, cartesia (each only with its key; else skipped). Exit 1 names the targets that failed",
    )
    add_console_arguments(parser)
    # Headless and for CI: no sound unless asked (--audio), no recording unless asked (--record).
    parser.set_defaults(audio="none", record=False, headless=True)

    def run(args: argparse.Namespace) -> int:
        from tui.scenario.command import run_command

        return run_command(args, config_from_args)

    parser.set_defaults(run=run)


SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_serve, _replay, _export, _run]


# ---- the console's own options --------------------------------------------------------------


def _fault_spec(value: str) -> str:
    """Check a --server-faults spec here (one line if bad); the child server gets it as typed."""
    from tui.server.faults import FaultSpecError, parse_faults

    try:
        parse_faults(value)
    except FaultSpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def add_console_arguments(parser: argparse.ArgumentParser) -> None:
    conn = parser.add_argument_group("connection")
    conn.add_argument(
        "--provider",
        help=f"{' | '.join(PROVIDERS)} (default local: the embedded "
        "server; every other needs its key, ELEVENLABS_API_KEY, MURF_API_KEY, INWORLD_API_KEY or "
        "CARTESIA_API_KEY, in the environment or .env)",
    )
    conn.add_argument(
        "--dialect",
        help=f"{' | '.join(d.value for d in Dialect)} (default: the provider's; the local server speaks them all)",
    )
    conn.add_argument(
        "--url",
        help="ws:// or wss:// endpoint: a full URL is used as is, a bare host gets "
        "the dialect's path and query (with --provider local: no embedded server)",
    )
    conn.add_argument(
        "--voice",
        help="voice id (ElevenLabs voice_id, Murf voice_id, Cartesia voice id); elevenlabs-dialogue: "
        "comma-separated voice ids, one per speaker, and a turn names who speaks with labels: "
        "'A: Sure, I can help. B: Thanks!' (A: the first voice, B: the second, up to J:)",
    )
    conn.add_argument(
        "--model",
        help="model (ElevenLabs model_id, e.g. eleven_flash_v2_5; elevenlabs-dialogue eleven_v3 or "
        "eleven_v3_conversational (one voice); Murf FALCON; Cartesia sonic-3.5)",
    )
    conn.add_argument(
        "--output-format",
        help="what the server sends and the console plays: ElevenLabs pcm_8000 ... "
        "pcm_48000, ulaw_8000, alaw_8000, mp3_22050_32, mp3_44100_32/64/96/128/192; Murf "
        "pcm_/wav_/mp3_ + 8000/16000/24000/44100/48000, ulaw_8000, alaw_8000, any of them "
        "+ _stereo for channel_type=STEREO (e.g. wav_24000_stereo); default pcm_22050, Murf "
        "pcm_24000. A full --url's own format is used; a different one here is an error. "
        "Opus is refused",
    )
    conn.add_argument(
        "--inactivity-timeout",
        type=int,
        metavar="SECONDS",
        help="ElevenLabs per-context inactivity timeout, 1..180 (default 20)",
    )
    conn.add_argument(
        "--no-reconnect",
        dest="auto_reconnect",
        action="store_false",
        help="do not reconnect on its own after the connection drops",
    )
    conn.add_argument(
        "--server-faults",
        metavar="SPEC",
        type=_fault_spec,
        help="start the embedded server with these faults (switchboard serve --faults: e.g. "
        "race=0.025,ttfa=180ms±60ms or peak-hour); the console is not told when one fires",
    )
    conn.add_argument("--fault-seed", type=int, metavar="N", help="seed of the embedded server's fault draws")
    conn.add_argument("--env-file", default=".env", type=Path, help="file with API keys (default .env)")
    conn.add_argument(
        "--auth",
        choices=AUTH_MODES,
        help="where the API key goes: header (default) or body "
        "(xi_api_key in each context's opening message; ElevenLabs only)",
    )
    play = parser.add_argument_group("console")
    play.add_argument("--audio", help=f"speaker backend: {' | '.join(AUDIO_BACKENDS)}")
    play.add_argument(
        "--local-voice", default=DEFAULT_LOCAL_VOICE, help=f"embedded server voice: {' | '.join(LOCAL_VOICES)}"
    )
    play.add_argument(
        "--rate",
        type=float,
        default=DEFAULT_RATE,
        help=f"words per second when streaming a turn (default {DEFAULT_RATE:g})",
    )
    play.add_argument(
        "--turn-end",
        metavar="PATTERN",
        help=f"how turns end: {' | '.join(TURN_ENDS)} (default flush-close; the key in the footer cycles them live)",
    )
    play.add_argument(
        "--no-guard",
        dest="guard",
        action="store_false",
        help="let a context past the dialect's limit go out "
        f"({Dialect.ELEVENLABS.max_contexts} on ElevenLabs, {Dialect.MURF.max_contexts} on Murf) "
        "and the server refuse it",
    )
    play.add_argument("--theme", help="colour theme (see themes/)")
    play.add_argument("--no-record", dest="record", action="store_false", help="do not record this session")
    play.add_argument(
        "--record-dir",
        type=Path,
        default=default_record_dir(),
        help="where session recordings go (default %(default)s: ./recordings/ in a checkout, "
        "the user data directory when installed; the status strip shows the file)",
    )
    play.add_argument(
        "--record-cap-mb",
        type=float,
        default=DEFAULT_CAP_MB,
        metavar="MB",
        help=f"keep the session recordings in the record dir under MB megabytes by removing "
        f"the oldest (never the current one, never demo-*; default {DEFAULT_CAP_MB})",
    )
    play.add_argument(
        "--headless", action="store_true", help="line-by-line console on stdin/stdout instead of the full-screen one"
    )


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog=PROG,
        # No abbreviations: the top level would take a subcommand's `--record` for its own
        # `--record-dir`/`--record-cap-mb` ("ambiguous option") before the subcommand saw it.
        allow_abbrev=False,
        description="A console for multi-context text-to-speech WebSockets (ElevenLabs multi-stream-input "
        "and Text-to-Dialogue, Murf, Inworld, Cartesia) with its own local server.",
    )
    parser.add_argument("--version", action=_Version)
    add_console_arguments(parser)
    demo = parser.add_argument_group("demo mode")
    demo.add_argument(
        "--demo",
        nargs="?",
        const="",
        metavar="SCENARIO",
        help="open in the demo layout for a room (the speaking turn big, a callout at each barge-in); "
        "with SCENARIO (a file, or a shipped one by name, e.g. demo-flight-booking) play it, "
        "barging in at its scripted moments",
    )
    demo.add_argument(
        "--demo-wait-key",
        action="store_true",
        help="at a scripted barge-in, wait for the operator's Escape (the screen says so) instead of pressing it",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def load_env(env_file: Path, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The environment over the .env file (a real environment variable wins)."""
    merged: dict[str, str] = {}
    if env_file.is_file():
        from dotenv import dotenv_values

        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(environ)
    return merged


def config_from_args(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> ConsoleConfig:
    return resolve_config(
        provider=args.provider,
        dialect=args.dialect,
        url=args.url,
        voice=args.voice,
        model=args.model,
        output_format=args.output_format,
        inactivity_timeout=args.inactivity_timeout,
        audio=args.audio,
        local_voice=args.local_voice,
        env=load_env(args.env_file, environ),
        rate=args.rate,
        theme=args.theme,
        record=args.record,
        record_dir=args.record_dir,
        guard=args.guard,
        auto_reconnect=args.auto_reconnect,
        headless=args.headless,
        record_cap_mb=args.record_cap_mb,
        auth=args.auth,
        turn_end=args.turn_end,
        server_faults=args.server_faults,
        fault_seed=args.fault_seed,
    )


def open_console(config: ConsoleConfig) -> int:
    """Open the console on `config` (the seam the Textual UI plugs into); the exit code."""
    if config.headless:
        from tui.core.headless import run_headless

        return run_headless(config)
    from tui.ui.run import run_console

    return run_console(config)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "run", None) is not None:
        return int(args.run(args) or 0)
    if args.demo is not None:
        from tui.ui.demo import open_demo

        return open_demo(args, config_from_args)
    if args.demo_wait_key:
        print(f"{PROG}: error: --demo-wait-key goes with --demo SCENARIO (see --help)", file=sys.stderr)
        return 2
    try:
        config = config_from_args(args)
    except (ConfigError, ValueError) as exc:  # or a URL urllib cannot split: the key never shown
        print(f"{PROG}: error: {redact_query_secrets(str(exc))}", file=sys.stderr)
        return 2
    return open_console(config)


if __name__ == "__main__":
    sys.exit(main())
