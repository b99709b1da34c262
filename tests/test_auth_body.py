"""Where the key goes (issue 10, item 6): the handshake header (default) or the body (`--auth
body`: `xi_api_key` in each context's opening message), against the real local server started
with an API key; wherever it rides, it never shows: not in the frame log, the recording, the
status strip's URL or a banner."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.test_core_console import shutdown_after, wait_for  # noqa: F401 (a fixture)
from tui.cli import build_parser, config_from_args
from tui.core import ConfigError, Console, resolve_config
from tui.protocol.secret import Secret
from tui.protocol.urls import auth_headers
from tui.recording import read_recording
from tui.session import SlotState

KEY = "sk_live_key_0123456789abcdef"


async def console_with_key(url: str, tmp_path, keep, key: str = KEY, **options) -> Console:
    config = resolve_config(
        provider="elevenlabs",
        url=url,
        audio="none",
        record_dir=tmp_path,
        rate=20,
        env={"ELEVENLABS_API_KEY": key},
        **options,
    )
    console = Console(config)
    keep(console)
    assert await console.start()
    assert await console.wait_connected(10)
    return console


def everything_shown(console: Console) -> str:
    """Every text the console shows or writes: log lines, status, banner, the recording file."""
    log = [e.summary for e in console.session.log.entries()]
    banner = console.session.banner.text if console.session.banner else ""
    console.recorder.close()
    return "\n".join(log + [repr(console.session.status), banner, console.recorder.path.read_text()])


def opening_message(console: Console) -> dict:
    """turn_1's opening message (the first frame with a single space), as the recording holds it."""
    console.recorder.close()
    sent = [
        json.loads(e.data)
        for e in read_recording(console.recorder.path).entries
        if getattr(e, "direction", None) == "sent"
    ]
    return next(f for f in sent if f.get("text") == " " and f.get("context_id") in ("turn_1", None))


def test_the_key_goes_in_the_header_unless_auth_is_body():
    key = Secret(KEY)
    assert auth_headers("elevenlabs", key) == {"xi-api-key": KEY}
    assert auth_headers("elevenlabs", key, "body") == {}
    assert resolve_config(provider="local").auth == "header"
    args = build_parser().parse_args(["--provider", "elevenlabs", "--auth", "body"])
    assert config_from_args(args, {"ELEVENLABS_API_KEY": KEY}).auth == "body"


def test_auth_body_for_murf_or_an_unknown_mode_is_a_one_line_error():
    with pytest.raises(ConfigError, match="Murf takes the key only at the handshake"):
        resolve_config(provider="murf", auth="body", env={"MURF_API_KEY": KEY})
    with pytest.raises(ConfigError, match="--auth: auth must be one of header, body"):
        resolve_config(provider="local", auth="query")


@pytest.mark.parametrize("dialect", ["elevenlabs", "elevenlabs-single"])
async def test_with_auth_body_the_key_rides_in_the_opening_message_and_the_server_takes_it(
    start_local_server, tmp_path, shutdown_after, dialect
):  # noqa: F811
    server = await start_local_server("tone", api_key=KEY)
    console = await console_with_key(server.url, tmp_path, shutdown_after, auth="body", dialect=dialect)
    assert console.submit_turn("Hello there.").ok
    await wait_for(lambda: console.session.slot_for("turn_1").state is SlotState.FINAL)
    assert console.session.slot_for("turn_1").metrics.audio_bytes > 0
    assert any("xi_api_key" in e.summary for e in console.session.log.entries())
    assert KEY not in everything_shown(console)
    opening = opening_message(console)
    assert opening["xi_api_key"] == "***" and opening["text"] == " "


async def test_a_wrong_key_in_the_body_is_refused_and_shown_nowhere(start_local_server, tmp_path, shutdown_after):  # noqa: F811
    server = await start_local_server("tone", api_key=KEY)
    wrong = "sk_wrong_key_fedcba9876543210"
    console = await console_with_key(server.url, tmp_path, shutdown_after, key=wrong, auth="body", auto_reconnect=False)
    assert console.submit_turn("Hello there.").ok
    await wait_for(lambda: console.session.status.close_code == 1008)
    assert "Invalid API key" in everything_shown(console)
    assert wrong not in everything_shown(console)


async def test_with_the_key_in_the_header_nothing_in_the_frames_carries_it(
    start_local_server, tmp_path, shutdown_after
):  # noqa: F811
    server = await start_local_server("tone", api_key=KEY)
    console = await console_with_key(server.url, tmp_path, shutdown_after)
    assert console.submit_turn("Hello there.").ok
    await wait_for(lambda: console.session.slot_for("turn_1").state is SlotState.FINAL)
    assert KEY not in everything_shown(console)
    assert "xi_api_key" not in opening_message(console)


async def test_with_auth_body_no_keep_alive_goes_before_the_first_opening_message(
    start_local_server, tmp_path, shutdown_after
):  # noqa: F811
    # The server takes a body key only in the socket's first message: a socket keep-alive first
    # (the console sends one after half the inactivity timeout of silence) would be refused.
    server = await start_local_server("tone", api_key=KEY)
    console = await console_with_key(server.url, tmp_path, shutdown_after, auth="body", inactivity_timeout=2)
    await asyncio.sleep(1.3)
    assert console.connected and console.session.status.close_code is None
    assert console.submit_turn("Hello there.").ok
    await wait_for(lambda: console.session.slot_for("turn_1").state is SlotState.FINAL)
