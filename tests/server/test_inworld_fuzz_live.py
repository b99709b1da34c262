"""Hypothesis against the live Inworld route (real sockets, tone voice): batches of valid frames
with mutated ones mixed in, over 10,000 frames in all. The server never crashes or gives up on the
socket, and every frame the decoder refuses gets its own status error (code 3, "Invalid message")."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from websockets.sync.client import connect

from tui.protocol import inworld as iw
from tui.protocol.frames import DecodeError
from tui.protocol.urls import inworld_url

from ..test_inworld_fuzz import client_valid, mutated

MIN_FRAMES = 10_000
RECV_TIMEOUT = 5.0
SENTINEL = json.dumps({"flush_context": {}, "contextId": "__sentinel__"})  # always "not found", code 5


def cheap(frame: dict) -> dict:
    """Short texts and 8 kHz sample formats keep the audio small (the default is MP3 at 48 kHz):
    the test is about the frames, not the encoders, which tests/server/test_inworld_audio.py covers."""
    if isinstance(frame.get("create"), dict):
        encoding = frame["create"].get("audioConfig", {}).get("audioEncoding")
        encoding = encoding if encoding in ("PCM", "LINEAR16", "MULAW", "ALAW") else "PCM"
        frame = {
            **frame,
            "create": {**frame["create"], "audioConfig": {"audioEncoding": encoding, "sampleRateHertz": 8000}},
        }
    return frame


live_valid = client_valid.map(cheap)


@pytest.fixture
def server_errors(caplog):
    caplog.set_level(logging.WARNING)
    yield lambda: [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_live_inworld_socket_answers_every_bad_frame_with_its_error_and_keeps_serving(
    threaded_local_server, server_errors
):
    url = inworld_url(threaded_local_server.url)
    seen = {"frames": 0, "bad": 0}
    valid = live_valid.map(json.dumps)

    @settings(
        max_examples=130,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(valid | mutated(live_valid), min_size=70, max_size=90))
    def check(frames):
        bad = sum(isinstance(iw.decode_client(f), DecodeError) for f in frames)
        # max_queue=None: the client keeps reading what is still coming after the sentinel, so
        # its close is answered at once (with the default 16 it stops reading, and the server's
        # close waits behind the audio it cannot send: a client not reading, not a server fault).
        with connect(url, open_timeout=RECV_TIMEOUT, close_timeout=RECV_TIMEOUT, max_size=2**24, max_queue=None) as ws:
            for frame in frames + [SENTINEL]:
                ws.send(frame)
            errors = []
            while True:
                result = json.loads(ws.recv(timeout=RECV_TIMEOUT))["result"]
                if result.get("contextId") == "__sentinel__":
                    break
                if result["status"]["code"] != 0:
                    errors.append(result["status"])
            assert ws.close_code is None  # the server never closed on a bad frame
        invalid = [e for e in errors if e["code"] == iw.INVALID_ARGUMENT and e["message"].startswith("Invalid message")]
        assert len(invalid) == bad
        seen["frames"] += len(frames)
        seen["bad"] += bad

    check()
    assert server_errors() == []
    assert seen["frames"] >= MIN_FRAMES and seen["bad"] > 1000, seen
