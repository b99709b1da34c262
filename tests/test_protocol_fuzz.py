"""Property-based fuzz: generated and mutated frames into every decoder and into live sockets.

1. Decoders (tui.protocol, all three dialects, client and server sides) never raise: every frame
   becomes a typed frame or a DecodeError, and what decodes re-encodes canonically and stably.
2. A live local server (real sockets, tone voice) gets batches of valid frames with mutated ones
   mixed in. It never crashes or hangs, and answers exactly as its sans-IO model says: an
   ElevenLabs socket's first bad frame gets its error frame and close 1008 (or the batch ends
   with a final per context and close 1000); every bad Murf frame gets its own error frame.
Each part counts its frames: the decoders see over 10,000, and so do the three live tests together.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tui.protocol import elevenlabs, murf, stream_input
from tui.protocol.frames import DecodeError
from tui.server import ManualClock
from tui.server.actions import Fail, SendFinal
from tui.server.contexts import MultiContextConnection
from tui.server.single_stream import SingleStreamConnection

from .server.wire import multi_url, murf_endpoint, single_url

MIN_FRAMES = 10_000
LIVE_FRAMES_EACH = 3_400  # three live tests: more than MIN_FRAMES together
RECV_TIMEOUT = 5.0

# ---- strategies -------------------------------------------------------------------------------

json_scalars = (
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
words = st.text(alphabet="abcdefgh xyz.,!?", max_size=14)
ids = st.sampled_from(["a", "b", "c", "d", "e", None])
VOICE_SETTINGS = [{"stability": 0.5, "similarity_boost": 0.75, "speed": 1.0}, {"speed": 1.1}]
KNOWN_KEYS = [
    "text",
    "context_id",
    "contextId",
    "flush",
    "close_context",
    "close_socket",
    "voice_settings",
    "generation_config",
    "xi_api_key",
    "try_trigger_generation",
    "voice_config",
    "end",
    "clear",
    "min_buffer_size",
    "max_buffer_delay_in_ms",
    "audio",
    "isFinal",
    "is_final",
    "final",
    "alignment",
    "normalizedAlignment",
    "error",
    "message",
    "code",
    "flush_done",
    "type",
]


def with_id(frame: dict[str, Any], context_id: str | None) -> dict[str, Any]:
    return frame if context_id is None else {**frame, "context_id": context_id}


# Valid frames never open a sixth context (five ids) nor change settings: those failures come
# from the mutated frames, so most of every batch is served before it.
five_ids = st.sampled_from(["a", "b", "c", "d", None])
el_valid = st.one_of(
    st.builds(lambda i, t: with_id({"text": t or " "}, i), five_ids, words),
    st.builds(lambda i, t: with_id({"text": t, "flush": True}, i), five_ids, words),
    st.builds(lambda i: with_id({"flush": True}, i), five_ids),
    st.builds(lambda i: with_id({"text": ""}, i), five_ids),
)
settings_of = st.fixed_dictionaries(
    {},
    optional={
        "voice_settings": st.sampled_from(VOICE_SETTINGS),
        "generation_config": st.builds(lambda n: {"chunk_length_schedule": [n]}, st.integers(50, 60)),
    },
)
el_openings = st.lists(
    st.builds(lambda i, extra: with_id({"text": " ", **extra}, i), five_ids, settings_of),
    max_size=5,
    unique_by=lambda f: f.get("context_id"),
)
single_valid = st.one_of(
    st.builds(lambda t: {"text": t or " "}, words),
    st.builds(lambda t: {"text": t or " ", "flush": True}, words),
    st.builds(lambda t: {"text": t or " ", "try_trigger_generation": True}, words),
    st.just({"flush": True}),
)
single_openings = st.builds(lambda extra: [{"text": " ", **extra}], settings_of)
murf_valid = st.one_of(
    st.builds(lambda i, t: with_id({"text": t}, i), ids, words),
    st.builds(
        lambda i, t, r: with_id({"text": t, "voice_config": {"voiceId": "en-US-x", "rate": r}}, i),
        ids,
        words,
        st.integers(-50, 50),
    ),
    st.builds(lambda i, r: with_id({"voice_config": {"voice_id": "en-US-x", "rate": r}}, i), ids, st.integers(-50, 50)),
    st.builds(
        lambda n, d: {"min_buffer_size": n, "max_buffer_delay_in_ms": d}, st.integers(40, 160), st.integers(0, 1000)
    ),
)
server_valid = st.one_of(
    st.builds(
        lambda i, b: with_id(
            {
                "audio": b,
                "isFinal": False,
                "alignment": {"chars": ["h", "i"], "charStartTimesMs": [0, 60], "charDurationsMs": [60, 60]},
            },
            i,
        ),
        ids,
        st.sampled_from(["AAAA", "UklGRg==", ""]),
    ),
    st.builds(lambda i: with_id({"isFinal": True}, i), ids),
    st.builds(lambda i: with_id({"final": True}, i), ids),
    st.builds(lambda i, m: with_id({"message": m, "error": "invalid_input_message", "code": 1008}, i), ids, words),
    st.builds(lambda i: with_id({"type": "flush_done", "flush_done": True}, i), ids),
)


@st.composite
def mutated(draw, base: st.SearchStrategy[dict[str, Any]]) -> str | bytes:
    """A frame that is usually wrong: a valid one with a value, key or byte changed, or garbage."""
    frame = dict(draw(base))
    kind = draw(st.sampled_from(["value", "drop", "add", "splice", "garbage", "binary", "not an object"]))
    if kind == "value" and frame:
        frame[draw(st.sampled_from(sorted(frame)))] = draw(json_values)
    elif kind == "drop" and frame:
        del frame[draw(st.sampled_from(sorted(frame)))]
    elif kind == "add":
        frame[draw(st.sampled_from(KNOWN_KEYS) | st.text(max_size=6))] = draw(json_values)
    elif kind == "splice":
        raw = json.dumps(frame)
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.text(max_size=3)) + raw[at + draw(st.integers(0, 3)) :]
    elif kind == "garbage":
        return draw(st.text(max_size=30))
    elif kind == "binary":
        return draw(st.binary(max_size=30) | st.builds(lambda f: json.dumps(f).encode(), st.just(frame)))
    elif kind == "not an object":
        return json.dumps(draw(json_scalars | st.lists(json_scalars, max_size=3)))
    return json.dumps(frame)


def raw(frame: dict[str, Any] | str | bytes) -> str | bytes:
    return frame if isinstance(frame, (str, bytes)) else json.dumps(frame)


# ---- 1. decoders --------------------------------------------------------------------------------

CLIENT_CODECS = [
    (elevenlabs.decode_client, elevenlabs.encode_client),
    (stream_input.decode_client, stream_input.encode_client),
    (murf.decode_client, murf.encode_client),
]
SERVER_CODECS = [
    (elevenlabs.decode_server, elevenlabs.encode_server),
    (stream_input.decode_server, stream_input.encode_server),
    (murf.decode_server, murf.encode_server),
]
any_frame = st.one_of(
    el_valid,
    single_valid,
    murf_valid,
    server_valid,
    el_openings.map(lambda f: f[0] if f else {}),
    mutated(el_valid),
    mutated(murf_valid),
    mutated(server_valid),
    mutated(single_valid),
)


def test_every_decoder_survives_generated_and_mutated_frames_and_reencodes_stably():
    seen = {"frames": 0}

    @settings(max_examples=220, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(any_frame, min_size=40, max_size=60))
    def check(frames):
        for frame in map(raw, frames):
            seen["frames"] += 1
            for decode, encode in CLIENT_CODECS + SERVER_CODECS:
                decoded = decode(frame)
                if isinstance(decoded, DecodeError):
                    assert isinstance(decoded.reason, str) and decoded.reason
                    continue
                canonical = encode(decoded)
                assert encode(decode(canonical)) == canonical

    check()
    assert seen["frames"] >= MIN_FRAMES, seen


# ---- 2. a live server ---------------------------------------------------------------------------


def recv_all(ws) -> list[dict[str, Any]]:
    frames = []
    try:
        while True:
            frames.append(json.loads(ws.recv(timeout=RECV_TIMEOUT)))
    except ConnectionClosed:
        return frames


def send_all(ws, frames: list[str | bytes]) -> int:
    sent = 0
    try:
        for frame in frames:
            ws.send(frame)
            sent += 1
    except ConnectionClosed:
        pass
    return sent


def expected_outcome(model, decode, frames: list[str | bytes]) -> tuple[Any, set[str | None]]:
    """What the model says the server must answer: the first failure (or None), and the contexts
    that must send a final before the socket closes."""
    finals: set[str | None] = set()
    for frame in frames:
        for action in model.receive(decode(frame)):
            if isinstance(action, Fail):
                return action.error, set()
            if isinstance(action, SendFinal):
                finals.add(action.turn.context_id)
    return None, finals | set(getattr(model, "contexts", {}))


@pytest.fixture
def server_errors(caplog):
    caplog.set_level(logging.WARNING)
    yield lambda: [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("endpoint", ["multi", "single"])
def test_a_live_elevenlabs_socket_answers_every_batch_exactly_as_its_model_says(
    threaded_local_server, server_errors, endpoint
):
    multi = endpoint == "multi"
    url = (multi_url if multi else single_url)(threaded_local_server.url, output_format="pcm_8000")
    codec = elevenlabs if multi else stream_input
    ending = {"close_socket": True} if multi else {"text": ""}
    seen = {"frames": 0}

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        el_openings if multi else single_openings,
        st.lists(el_valid if multi else single_valid, min_size=50, max_size=80),
        st.none() | mutated(el_valid if multi else single_valid),
    )
    def check(openings, valid, bad):
        frames = [raw(f) for f in openings + valid] + ([bad] if bad is not None else [])
        model = (MultiContextConnection if multi else SingleStreamConnection)(ManualClock())
        failure, finals = expected_outcome(model, codec.decode_client, frames)
        with connect(url, open_timeout=RECV_TIMEOUT, close_timeout=RECV_TIMEOUT, max_size=2**24) as ws:
            seen["frames"] += send_all(ws, frames + [json.dumps(ending)])
            got = recv_all(ws)
            code = ws.close_code
        if failure is not None:
            assert got[-1] == json.loads(codec.encode_server(failure))
            assert code == failure.code
        else:
            assert code == 1000
            got_finals = [f.get("contextId") for f in got if f.get("isFinal") is True]
            assert sorted(got_finals, key=str) == sorted(finals, key=str) if multi else got_finals == [None]

    check()
    assert server_errors() == []
    assert seen["frames"] >= LIVE_FRAMES_EACH, seen


def test_a_live_murf_socket_answers_every_bad_frame_with_an_error_and_keeps_serving(
    threaded_local_server, server_errors
):
    url = murf_endpoint(threaded_local_server.url, format="PCM", sample_rate=8000)
    seen = {"frames": 0}

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(murf_valid | mutated(murf_valid), min_size=50, max_size=80))
    def check(frames):
        frames = [raw(f) for f in frames]
        bad = sum(isinstance(murf.decode_client(f), DecodeError) for f in frames)
        ends = [json.dumps(with_id({"end": True}, i)) for i in ["a", "b", "c", "d", "e", None]]
        with connect(url, open_timeout=RECV_TIMEOUT, close_timeout=RECV_TIMEOUT, max_size=2**24) as ws:
            seen["frames"] += send_all(ws, frames + ends)
            got, ended = [], set()
            while len(ended) < len(ends):
                got.append(json.loads(ws.recv(timeout=RECV_TIMEOUT)))
                if got[-1].get("final") is True:
                    ended.add(got[-1].get("context_id"))
        assert sum("error" in f for f in got) == bad
        assert ws.close_code == 1000  # closed by this client: the server never gave up on it

    check()
    assert server_errors() == []
    assert seen["frames"] >= LIVE_FRAMES_EACH, seen
