"""`make conformance`: real clients, unchanged, against `switchboard serve`; a matrix of verdicts.

Starts the local server (tone voice, an API key the clients must send) with the project's own
interpreter, then for each client x configuration: a recording proxy in front of the server, the
client in a subprocess of this (the conformance) environment, bounded by --timeout seconds. The
verdict joins what the client reported (clients/script.py) and what the wire shows (checks.py).
Logs and the wire of every run go to conformance/results/ (gitignored). Exit 1 if any run fails.

    .venv-conformance/bin/python -m conformance.run [--only NAME] [--server-ref REF]

--server-ref REF serves the committed tree at REF (git archive, into a temporary folder) instead
of the working tree, to tell one's own uncommitted changes from what is on main.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .checks import Expectation, client_failures, wire_failures
from .wire import RecordingProxy, read_log

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "conformance" / "results"
SERVER_READY_TIMEOUT = 30.0
# The tone voice makes a turn's audio in a few milliseconds: unpaced, every "interruption" would
# come after the server had sent it all. A 15 ms gap between frames (a latency fault, no failure)
# makes the interrupted turn still be speaking when the client cuts it.
DEFAULT_SERVER_ARGS = "--faults jitter=15ms"


@dataclass(frozen=True)
class Client:
    name: str
    module: str
    expect: Expectation
    formats: dict  # config -> the format it asks for, as the wire shows it
    tls: bool = False
    node: str | None = None  # a Node client: its script, run with node from conformance/node/


CLIENTS = (
    Client(
        "pipecat-elevenlabs",
        "pipecat_elevenlabs",
        Expectation("elevenlabs-multi", "close_context"),
        {"default": "pcm_24000", "pcm": "pcm_16000"},
    ),
    Client("pipecat-murf", "pipecat_murf", Expectation("murf", "clear"), {"default": "PCM 24000", "pcm": "PCM 8000"}),
    Client(
        "livekit-elevenlabs",
        "livekit_elevenlabs",
        Expectation("elevenlabs-multi", "close_context"),
        {"default": "mp3_22050_32", "pcm": "pcm_24000"},
    ),
    Client(
        "livekit-murf", "livekit_murf", Expectation("murf", "socket_close"), {"default": "pcm 24000", "pcm": "pcm 8000"}
    ),
    Client(
        "elevenlabs-sdk",
        "elevenlabs_sdk",
        Expectation("elevenlabs-single", "socket_close"),
        {"default": "mp3_44100_128", "pcm": "pcm_24000"},
        tls=True,
    ),
    Client(
        "pipecat-inworld",
        "pipecat_inworld",
        Expectation("inworld", "close_context", end="flush_context"),
        {"default": "PCM 24000", "pcm": "PCM 16000"},
    ),
    Client(
        "livekit-inworld",
        "livekit_inworld",
        Expectation("inworld", "cancel_context", end="close_context"),
        {"default": "PCM 24000", "pcm": "LINEAR16 16000"},
    ),
    Client(
        "pipecat-cartesia",
        "pipecat_cartesia",
        Expectation("cartesia", "cancel"),
        {"default": "pcm_s16le 24000", "pcm": "pcm_s16le 16000"},
    ),
    Client(
        "livekit-cartesia",
        "livekit_cartesia",
        Expectation("cartesia", "socket_close"),
        {"default": "pcm_s16le 24000", "pcm": "pcm_s16le 16000"},
    ),
    Client(
        "pipecat-elevenlabs-dialogue",
        "pipecat_dialogue",
        Expectation("elevenlabs-dialogue", "close_context"),
        {"default": "pcm_24000", "pcm": "pcm_16000"},
    ),
    Client(
        "livekit-node-elevenlabs",
        "",
        Expectation("elevenlabs-multi", "close_context"),
        {"default": "pcm_22050", "pcm": "pcm_16000"},
        node="livekit_elevenlabs.mjs",
    ),
)
NODE_DIR = REPO / "conformance" / "node"


@dataclass
class Verdict:
    client: str
    config: str
    fmt: str
    failures: list[str]
    facts: dict
    versions: dict
    seconds: float


def _server_command(args) -> tuple[list[str], Path, tempfile.TemporaryDirectory | None]:
    tree, holder = REPO, None
    if args.server_ref:
        holder = tempfile.TemporaryDirectory(prefix="conformance-server-")
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.server_ref, "tui"], capture_output=True, check=True, timeout=60
        ).stdout
        subprocess.run(["tar", "-x", "-C", holder.name], input=archive, check=True, timeout=60)
        tree = Path(holder.name)
    command = [
        args.server_python,
        "-m",
        "tui.server",
        "--voice",
        "tone",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--api-key",
        args.key,
        "--log-level",
        "info",
        *shlex.split(args.server_args),
    ]
    return command, tree, holder


async def _start_server(args, log_path: Path):
    command, tree, holder = _server_command(args)
    log = log_path.open("wb")
    env = dict(os.environ, PYTHONPATH=str(tree))
    process = await asyncio.create_subprocess_exec(
        *command, cwd=tree, env=env, stdout=asyncio.subprocess.PIPE, stderr=log
    )
    try:
        line = await asyncio.wait_for(process.stdout.readline(), SERVER_READY_TIMEOUT)
    except TimeoutError:
        process.kill()
        raise SystemExit(
            f"conformance: the server did not say it was listening within {SERVER_READY_TIMEOUT:.0f} s"
        ) from None
    text = line.decode().strip()
    if "listening on " not in text:
        process.kill()
        raise SystemExit(f"conformance: the server did not start: {text!r} (see {log_path})")
    url = text.split("listening on ", 1)[1].split()[0]
    return process, url, holder


async def _run_client(client: Client, config: str, server_url: str, args) -> Verdict:
    stem = f"{client.name}-{config}"
    proxy = RecordingProxy(server_url, RESULTS / f"{stem}.wire.jsonl", tls=client.tls)
    url = await proxy.start()
    env = dict(os.environ)
    if client.tls:
        env["SSL_CERT_FILE"] = str(proxy.cert_path)
    started = time.monotonic()
    events: list[dict] = []
    with (RESULTS / f"{stem}.stderr.log").open("wb") as stderr:
        command = (
            ["node", str(NODE_DIR / client.node)]
            if client.node
            else [sys.executable, "-m", f"conformance.clients.{client.module}"]
        )
        process = await asyncio.create_subprocess_exec(
            *command,
            "--url",
            url,
            "--key",
            args.key,
            "--config",
            config,
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )

        async def read() -> None:
            async for line in process.stdout:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # a library printing to stdout: not an event
                if isinstance(event, dict) and "event" in event:
                    events.append(event)
                elif isinstance(event, dict) and event.get("level", 0) >= 50:  # Node's pino: an error line
                    events.append(
                        {
                            "event": "error",
                            "where": "log",
                            "message": str(event.get("msg") or event.get("error", {}).get("message"))[:300],
                        }
                    )
            await process.wait()

        timed_out = False
        try:
            await asyncio.wait_for(read(), args.timeout)
        except TimeoutError:
            timed_out = True
            process.kill()
            await process.wait()
    await asyncio.sleep(0.2)  # let the proxy record the last closes
    await proxy.stop()
    seconds = time.monotonic() - started
    failures = client_failures(events, process.returncode)
    if timed_out:
        failures.insert(0, f"killed after {args.timeout:.0f} s")
    wire, facts = wire_failures(read_log(proxy.log_path), client.expect)
    failures += [f"wire: {reason}" for reason in wire]
    versions = next((e for e in events if e["event"] == "versions"), {})
    versions = {k: v for k, v in versions.items() if k not in ("event", "t")}
    (RESULTS / f"{stem}.events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    return Verdict(client.name, config, client.formats[config], failures, facts, versions, seconds)


def _print_matrix(verdicts: list[Verdict], server_note: str) -> None:
    print(f"\nConformance of real clients against switchboard serve ({server_note})\n")
    print(f"{'client':<24} {'config':<8} {'format':<14} {'result':<6} {'secs':>5}  versions")
    for v in verdicts:
        result = "PASS" if not v.failures else "FAIL"
        versions = ", ".join(f"{k} {val}" for k, val in v.versions.items())
        print(f"{v.client:<24} {v.config:<8} {v.fmt:<14} {result:<6} {v.seconds:5.1f}  {versions}")
    failed = [v for v in verdicts if v.failures]
    for v in failed:
        print(f"\nFAIL {v.client} {v.config} ({v.fmt}):")
        # The wire's reasons first (they say what the server did), each said once with a count.
        reasons = sorted(v.failures, key=lambda reason: not reason.startswith(("wire", "killed")))
        counted = {reason: reasons.count(reason) for reason in reasons}
        for reason, count in list(counted.items())[:8]:
            print(f"  - {reason}" + (f" (x{count})" if count > 1 else ""))
        if len(counted) > 8:
            print(f"  ... {len(counted) - 8} more in conformance/results/{v.client}-{v.config}.*")
    passed = len(verdicts) - len(failed)
    print(f"\nconformance: {passed} passed, {len(failed)} failed")


async def main_async(args) -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    process, server_url, holder = await _start_server(args, RESULTS / "server.log")
    verdicts: list[Verdict] = []
    try:
        for client in CLIENTS:
            if args.only and args.only not in client.name:
                continue
            if client.node and not (NODE_DIR / "node_modules").is_dir():
                print(f"{client.name}: SKIPPED (no conformance/node/node_modules: npm was not found by make)")
                continue
            for config in ("default", "pcm"):
                verdict = await _run_client(client, config, server_url, args)
                verdicts.append(verdict)
                print(
                    f"{verdict.client} {config}: {'PASS' if not verdict.failures else 'FAIL'} "
                    f"({verdict.seconds:.1f} s)",
                    flush=True,
                )
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
        if holder is not None:
            holder.cleanup()
    note = f"server from {args.server_ref}" if args.server_ref else "server from the working tree"
    _print_matrix(verdicts, note)
    (RESULTS / "matrix.json").write_text(json.dumps([v.__dict__ for v in verdicts], indent=1))
    return 1 if not verdicts or any(v.failures for v in verdicts) else 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="conformance", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server-python",
        default=str(REPO / ".venv" / "bin" / "python"),
        help="interpreter that runs the server (default: the project's .venv)",
    )
    parser.add_argument("--server-ref", default=None, help="serve the tree committed at this git ref")
    parser.add_argument(
        "--server-args",
        default=DEFAULT_SERVER_ARGS,
        help=f"more arguments for switchboard serve (default {DEFAULT_SERVER_ARGS!r}: audio "
        "paced so an interruption lands while the turn is still being spoken)",
    )
    parser.add_argument("--only", default=None, help="run only the clients whose name contains this")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one client run may take")
    args = parser.parse_args()
    args.key = "conformance-" + secrets.token_hex(8)
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
