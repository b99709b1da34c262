"""Cartesia fuzz, part 1: generated and mutated frames into both decoders (≥ 10,000 frames).

Every frame decodes to a typed frame or a DecodeError (never an exception), and what decodes
re-encodes canonically and stably. The live route's fuzz is tests/server/test_cartesia_fuzz.py.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from tui.protocol import cartesia as ca
from tui.protocol.frames import DecodeError

MIN_FRAMES = 10_000

json_scalars = (
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
words = st.text(alphabet="abcdefgh xyz.,!?", max_size=14)
ids = st.sampled_from(["a", "b", "c", "d"])
BASE = {
    "model_id": "sonic-3.5",
    "voice": {"mode": "id", "id": "v1"},
    "language": "en",
    "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 24000},
}
client_valid = st.one_of(
    st.builds(lambda i, t, c: {**BASE, "context_id": i, "transcript": t, "continue": c}, ids, words, st.booleans()),
    st.builds(lambda i: {**BASE, "context_id": i, "transcript": "", "continue": True, "flush": True}, ids),
    st.builds(lambda i: {"context_id": i, "cancel": True}, ids),
    st.builds(
        lambda i, t, d: {**BASE, "context_id": i, "transcript": t, "continue": True, "max_buffer_delay_ms": d},
        ids,
        words,
        st.integers(0, 5000),
    ),
)
server_valid = st.one_of(
    st.builds(lambda i: {"type": "chunk", "data": "AAAA", "done": False, "step_time": 3, "context_id": i}, ids),
    st.builds(
        lambda i: {
            "type": "timestamps",
            "context_id": i,
            "word_timestamps": {"words": ["Hi", "there"], "start": [0, 0.4], "end": [0.3, 0.8]},
        },
        ids,
    ),
    st.builds(
        lambda i, n: {"type": "flush_done", "flush_done": True, "flush_id": n, "context_id": i}, ids, st.integers(1, 9)
    ),
    st.builds(lambda i: {"type": "done", "done": True, "status_code": 206, "context_id": i}, ids),
    st.builds(
        lambda i, m: {"type": "error", "done": True, "status_code": 400, "error": m, "context_id": i}, ids, words
    ),
)
KNOWN_KEYS = sorted(ca._KNOWN | {"type", "data", "done", "word_timestamps", "flush_done", "flush_id", "status_code"})


@st.composite
def mutated(draw, base: st.SearchStrategy[dict[str, Any]]) -> str | bytes:
    """A frame that is usually wrong: a valid one with a value, key or byte changed, or garbage."""
    frame = dict(draw(base))
    kind = draw(st.sampled_from(["value", "nested", "drop", "add", "splice", "garbage", "binary"]))
    if kind == "value":
        frame[draw(st.sampled_from(sorted(frame)))] = draw(json_values)
    elif kind == "nested":
        for key in ("output_format", "voice", "word_timestamps"):
            if isinstance(frame.get(key), dict):
                inner = dict(frame[key])
                inner[draw(st.sampled_from(sorted(inner)))] = draw(json_values)
                frame[key] = inner
    elif kind == "drop":
        del frame[draw(st.sampled_from(sorted(frame)))]
    elif kind == "add":
        frame[draw(st.sampled_from(KNOWN_KEYS))] = draw(json_values)
    elif kind == "splice":
        raw = json.dumps(frame)
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.text(max_size=3)) + raw[at + draw(st.integers(0, 3)) :]
    elif kind == "garbage":
        return draw(st.text(max_size=30))
    else:
        return draw(st.binary(max_size=30))
    return json.dumps(frame)


any_frame = st.one_of(client_valid, server_valid, mutated(client_valid), mutated(server_valid)).map(
    lambda f: f if isinstance(f, (str, bytes)) else json.dumps(f)
)


def _frames(encoded: str | list[str]) -> list[str]:
    return [encoded] if isinstance(encoded, str) else encoded


def test_both_decoders_survive_generated_and_mutated_frames_and_reencode_stably():
    seen = {"frames": 0, "errors": 0}

    @settings(max_examples=220, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(any_frame, min_size=40, max_size=60))
    def check(frames):
        for frame in frames:
            seen["frames"] += 1
            client = ca.decode_client(frame)
            if isinstance(client, DecodeError):
                seen["errors"] += 1
                assert client.reason
            else:
                canonical = ca.encode_client(client)
                assert ca.encode_client(ca.decode_client(canonical)) == canonical
            server = ca.decode_server(frame)
            if isinstance(server, DecodeError):
                assert server.reason
                continue
            for canonical in _frames(ca.encode_server(server)):
                again = ca.decode_server(canonical)
                assert not isinstance(again, DecodeError), canonical
                assert _frames(ca.encode_server(again)) == [canonical]

    check()
    assert seen["frames"] >= MIN_FRAMES, seen
    assert seen["errors"] > seen["frames"] // 10, seen  # the mutations do reach the error paths
