"""`switchboard serve`: the command line of the local server.

`tui/cli.py` wires `switchboard serve` to exactly `add_serve_arguments` and `run_serve`;
`python -m tui.server` uses them too. Once listening, one line goes to stdout (flushed) so a
parent process can wait for it:
`switchboard serve: listening on ws://127.0.0.1:8765 (voice piper)`.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import logging
import os
import signal
import sys

from tui.choices import DEFAULT_LOCAL_VOICE
from tui.protocol.formats import build_g711_tables
from tui.protocol.urls import is_loopback_host

from .cartesia_contexts import DEFAULT_CONCURRENCY as CARTESIA_CONCURRENCY
from .fault_plan import DEFAULT_FAULT_SEED, FaultPlan
from .faults import PROFILES, FaultSpecError, parse_faults
from .server import LocalServer
from .synth import VOICE_NAMES, VoiceError, load_voice
from .synthesis import DEFAULT_WORKERS

SERVE_DESCRIPTION = (
    "Run the local multi-context TTS server: ElevenLabs multi-stream-input and stream-input, and Murf "
    "stream-input, with an offline voice, on ws://HOST:PORT. ElevenLabs clients choose output_format "
    "pcm_8000 ... pcm_48000, ulaw_8000, alaw_8000, mp3_22050_32 or mp3_44100_32/64/96/128/192 (default "
    "mp3_44100_128, as on the service) or opus_48000_32/64/96/128/192 (Ogg Opus); Murf clients choose format "
    "WAV (the default), MP3, FLAC, PCM, ULAW or ALAW (OGG is refused), channel_type MONO or STEREO. "
    "ElevenLabs Text-to-Dialogue "
    "(/v1/text-to-dialogue/multi-stream-input, eleven_v3 and v4): the ElevenLabs formats plus mp3_24000_48; "
    "each voice id of a context speaks as its own pitch of the voice. Inworld "
    "(/tts/v1/voice:streamBidirectional): each context's create names its format, PCM, LINEAR16, WAV, "
    "MP3, MULAW, ALAW, OGG_OPUS or FLAC."
)
READY_LINE = "switchboard serve: listening on {url} (voice {voice})"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _whole_number(what: str, low: int, high: int):
    """An argparse type: a whole number from `low` to `high`, or a one-line reason."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, got {value!r}") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{what} must be from {low} to {high}, got {number}")
        return number

    return parse


def fault_spec(value: str):
    """An argparse type: a parsed `--faults` spec, or its one-line reason."""
    try:
        return parse_faults(value)
    except FaultSpecError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


FAULTS_HELP = (
    "rehearse the services' known failures, e.g. race=0.025,quota,ttfa=180ms±60ms,jitter=20ms,"
    "drop=0.01,murf_limit=2 (race: close_context right after a flush gets an isFinal with no audio "
    "or none at all; race_empty/race_silent: only one of the two; quota: an isFinal at once, no "
    "audio, no error; ttfa: delay before each generation's first audio; jitter: before later "
    "frames; drop: abort the TCP connection, 1006, after a generation's first audio; murf_limit: "
    f"Murf's active-context limit). P is 0.025 or 2.5%%. Profiles: {', '.join(PROFILES)}"
)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("local server", SERVE_DESCRIPTION)
    group.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    group.add_argument(
        "--port",
        type=_whole_number("port", 0, 65535),
        default=8765,
        help="port to listen on; 0 picks a free one (default 8765)",
    )
    group.add_argument(
        "--voice",
        choices=VOICE_NAMES,
        default=DEFAULT_LOCAL_VOICE,
        help="piper: offline neural voice (default); tone: deterministic tones for tests",
    )
    group.add_argument(
        "--api-key",
        metavar="KEY",
        default=None,
        help="require this key from clients, as each service does (ElevenLabs: header "
        "xi-api-key or Authorization, query authorization, or xi_api_key/xi-api-key/"
        "authorization in the first message; Murf: header or query api-key or api_key)",
    )
    group.add_argument(
        "--workers",
        type=_whole_number("workers", 1, 16),
        default=DEFAULT_WORKERS,
        help=f"synthesis threads shared by all connections (default {DEFAULT_WORKERS})",
    )
    group.add_argument("--faults", metavar="SPEC", type=fault_spec, default=None, help=FAULTS_HELP)
    group.add_argument(
        "--fault-seed",
        metavar="N",
        type=_whole_number("fault seed", 0, 2**32 - 1),
        default=DEFAULT_FAULT_SEED,
        help=f"seed of the fault draws: the same seed and client give the same faults (default {DEFAULT_FAULT_SEED})",
    )
    group.add_argument(
        "--flush-done",
        action="store_true",
        help="answer each ElevenLabs flush with a flush_done frame once its audio is out (off by "
        "default: the service is not known to send one; shape unverified)",
    )
    group.add_argument(
        "--cartesia-concurrency",
        metavar="N",
        type=_whole_number("cartesia concurrency", 1, 1000),
        default=CARTESIA_CONCURRENCY,
        help="Cartesia contexts active at once over all sockets, the account's plan limit; one more "
        f"gets the 429 concurrency_limited error (default {CARTESIA_CONCURRENCY}, the Scale plan's)",
    )
    group.add_argument(
        "--parent-pid",
        metavar="PID",
        type=_whole_number("parent pid", 1, 2**31 - 1),
        default=None,
        help="stop when process PID, this server's parent, exits, even if it is killed (Linux; "
        "the console passes its own pid to the server it embeds); refused if PID is not the parent",
    )
    group.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default="warning",
        help="log detail on stderr (default warning); API keys are never logged",
    )


def die_with_parent(parent_pid: int) -> str | None:
    """Ask the kernel for SIGTERM when our parent exits; a reason to stop now, or None.

    The server sets this on itself, after exec, instead of a `preexec_fn` running Python in the
    forked child of a threaded console. Two things can go wrong, both checked: the parent may
    already have died before the request (then we were re-parented and getppid() differs: the
    standard race guard, checked after the request so no death falls between the two), and PID may
    not be our parent at all. The signal fires when the parent *thread* that forked us exits: the
    console starts the server from its main thread. Where prctl is missing (not Linux) only the
    check applies; the console's atexit hook and stop() still stop the server."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:
        return f"parent process {parent_pid} is gone or is not this server's parent; not serving"
    return None


def run_serve(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; 0 on a clean stop, 1 if the voice or the port is unusable,
    or if `--parent-pid` names a process that is not (or no longer) the parent."""
    if getattr(args, "parent_pid", None) is not None and (why := die_with_parent(args.parent_pid)):
        print(f"switchboard serve: {why}", file=sys.stderr)
        return 1
    logging.basicConfig(
        stream=sys.stderr, level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:
        voice = load_voice(args.voice)
        build_g711_tables()  # built on first use elsewhere; here at start, not in a turn's TTFA
        return asyncio.run(_serve(args, voice))
    except VoiceError as error:
        print(f"switchboard serve: cannot load the {args.voice} voice: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers are in place (voice loading)
        return 0


async def _serve(args: argparse.Namespace, voice) -> int:
    faults = FaultPlan(args.faults, args.fault_seed) if getattr(args, "faults", None) else None
    server = LocalServer(
        voice,
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        workers=args.workers,
        flush_done=args.flush_done,
        faults=faults,
        cartesia_concurrency=getattr(args, "cartesia_concurrency", CARTESIA_CONCURRENCY),
    )
    try:
        await server.start()
    except OSError as error:
        print(
            f"switchboard serve: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr
        )
        return 1
    if not is_loopback_host(args.host):
        guard = "clients need the API key" if args.api_key else "with no API key required"
        print(
            f"switchboard serve: warning: listening on {args.host}, reachable from other machines, {guard}",
            file=sys.stderr,
        )
    if faults is not None:
        logging.getLogger("tui.server.faults").warning("faults on: %s (seed %d)", faults.spec.describe(), faults.seed)
    print(READY_LINE.format(url=server.url, voice=voice.name), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.close()
    return 0
