"""Cartesia fuzz, part 2: ≥ 10,000 generated and mutated frames into the live route (real
sockets, tone voice). The server never crashes or gives up on the socket; every frame it sends has
`type` and `context_id`; every frame the decoder refuses gets its own 400 error, in order.
"""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from websockets.sync.client import connect

from tui.protocol import cartesia as ca
from tui.protocol.frames import DecodeError

from ..test_cartesia_fuzz import BASE, client_valid, mutated
from .cartesia_wire import cartesia_endpoint

MIN_FRAMES = 10_000
RECV_TIMEOUT = 5.0
SMALL = {**BASE, "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 8000}}


def small(frame: dict) -> dict:
    """Cheap audio (8 kHz) and timestamps, so the batches stay quick on a shared machine."""
    return {**frame, **{k: v for k, v in SMALL.items() if k in frame}, "add_timestamps": True}


@pytest.fixture
def server_errors(caplog):
    caplog.set_level(logging.WARNING)
    yield lambda: [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_live_cartesia_socket_answers_every_bad_frame_with_its_error_and_keeps_serving(
    threaded_local_server, server_errors
):
    url = cartesia_endpoint(threaded_local_server.url)
    seen = {"frames": 0, "bad": 0}

    @settings(
        max_examples=130,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(client_valid.map(small) | mutated(client_valid.map(small)), min_size=70, max_size=90))
    def check(frames):
        frames = [f if isinstance(f, (str, bytes)) else json.dumps(f) for f in frames]
        bad = sum(isinstance(ca.decode_client(f), DecodeError) for f in frames)
        sync = json.dumps({**SMALL, "context_id": "sync", "transcript": "ok", "continue": False})
        with connect(url, open_timeout=RECV_TIMEOUT, close_timeout=RECV_TIMEOUT) as ws:
            for frame in frames + [sync]:
                ws.send(frame)
            got = []
            while not (got and got[-1]["context_id"] == "sync" and got[-1]["done"] is True):
                got.append(json.loads(ws.recv(timeout=RECV_TIMEOUT)))
            assert ws.close_code is None  # the server never gave up on the socket
        seen["frames"] += len(frames)
        seen["bad"] += bad
        assert all(isinstance(f["type"], str) and isinstance(f["context_id"], str) for f in got)
        invalid = [f for f in got if f["type"] == "error" and f["message"].startswith("Invalid message:")]
        assert len(invalid) == bad
        assert all(f["done"] is True and f["status_code"] == 400 for f in invalid)

    check()
    assert server_errors() == []
    assert seen["frames"] >= MIN_FRAMES and seen["bad"] > 500, seen
