"""Property-based fuzz of the Text-to-Dialogue decoders (client and server side): generated and
mutated frames never make them raise; every frame decodes to a typed frame or a DecodeError
with a reason, and what decodes re-encodes canonically and stably. Over 10,000 frames."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from tui.protocol import dialogue as ttd
from tui.protocol.frames import DecodeError

from .test_protocol_fuzz import json_scalars, json_values

MIN_FRAMES = 10_000

ids = st.sampled_from(["a", "b", "c", "pipecat-keepalive"])
voices = st.sampled_from(["A", "B", "JBFqnCBsd6RMkjVDRZzb"])
words = st.text(alphabet="abcdefgh xyz.,!?[]", max_size=14)
KNOWN_KEYS = [
    "context_id",
    "contextId",
    "voices",
    "voice_settings",
    "pronunciation_dictionary_locators",
    "inputs",
    "text",
    "voice_id",
    "new_turn",
    "flush",
    "keep_alive",
    "close_context",
    "close_socket",
    "xi_api_key",
    "authorization",
    "single_use_token",
    "audio",
    "alignment",
    "is_final",
    "is_final_audio_for_turn",
    "error",
    "message",
    "code",
]

client_valid = st.one_of(
    st.builds(lambda i, v: {"context_id": i, "voices": v}, ids, st.lists(voices, min_size=1, max_size=3)),
    st.builds(
        lambda i, v, s: {"context_id": i, "voices": [v], "voice_settings": {"stability": s}},
        ids,
        voices,
        st.sampled_from([0.0, 0.5, 1.0]),
    ),
    st.builds(
        lambda i, t, v, n: {"context_id": i, "inputs": [{"text": t, "voice_id": v, "new_turn": n}]},
        ids,
        words,
        voices,
        st.booleans(),
    ),
    st.builds(lambda i: {"context_id": i, "flush": True}, ids),
    st.builds(lambda i: {"context_id": i, "keep_alive": True}, ids),
    st.builds(lambda i: {"context_id": i, "close_context": True}, ids),
    st.just({"close_socket": True}),
)
server_valid = st.one_of(
    st.builds(
        lambda i, b: {
            "audio": b,
            "alignment": {"chars": ["h", "i"], "char_start_times_ms": [0, 60], "char_durations_ms": [60, 60]},
            "context_id": i,
        },
        ids,
        st.sampled_from(["AAAA", "UklGRg==", ""]),
    ),
    st.builds(lambda i: {"is_final_audio_for_turn": True, "context_id": i}, ids),
    st.builds(lambda i: {"is_final": True, "context_id": i}, ids),
    st.builds(lambda m: {"message": m, "error": "max_active_conversations", "code": 1008}, words),
)


@st.composite
def mutated(draw, base: st.SearchStrategy[dict[str, Any]]) -> str | bytes:
    """A frame that is usually wrong: a value, key or byte changed, a nested input broken, or garbage."""
    frame = json.loads(json.dumps(draw(base)))
    kind = draw(st.sampled_from(["value", "drop", "add", "nested", "splice", "garbage", "binary", "not an object"]))
    if kind == "value" and frame:
        frame[draw(st.sampled_from(sorted(frame)))] = draw(json_values)
    elif kind == "drop" and frame:
        del frame[draw(st.sampled_from(sorted(frame)))]
    elif kind == "add":
        frame[draw(st.sampled_from(KNOWN_KEYS) | st.text(max_size=6))] = draw(json_values)
    elif kind == "nested":
        target = frame.get("inputs", [{}])[0] if isinstance(frame.get("inputs"), list) else frame
        target = frame.get("alignment", target) if isinstance(frame.get("alignment"), dict) else target
        target[draw(st.sampled_from(KNOWN_KEYS + ["chars", "char_start_times_ms", "char_durations_ms"]))] = draw(
            json_values
        )
    elif kind == "splice":
        raw = json.dumps(frame)
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.text(max_size=3)) + raw[at + draw(st.integers(0, 3)) :]
    elif kind == "garbage":
        return draw(st.text(max_size=30))
    elif kind == "binary":
        return draw(st.binary(max_size=30))
    elif kind == "not an object":
        return json.dumps(draw(json_scalars | st.lists(json_scalars, max_size=3)))
    return json.dumps(frame)


any_frame = st.one_of(
    client_valid.map(json.dumps),
    server_valid.map(json.dumps),
    mutated(client_valid),
    mutated(client_valid),
    mutated(server_valid),
)


def test_both_decoders_survive_generated_and_mutated_frames_and_reencode_stably():
    seen = {"frames": 0, "errors": 0, "decoded": 0}

    @settings(max_examples=220, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(any_frame, min_size=40, max_size=60))
    def check(frames):
        for frame in frames:
            seen["frames"] += 1
            for decode, encode in ((ttd.decode_client, ttd.encode_client), (ttd.decode_server, ttd.encode_server)):
                decoded = decode(frame)
                if isinstance(decoded, DecodeError):
                    assert isinstance(decoded.reason, str) and decoded.reason
                    seen["errors"] += 1
                    continue
                seen["decoded"] += 1
                canonical = encode(decoded)
                for one in [canonical] if isinstance(canonical, str) else canonical:
                    again = encode(decode(one))
                    assert again == one or (isinstance(again, list) and one in again)

    check()
    assert seen["frames"] >= MIN_FRAMES, seen
    assert seen["errors"] > 1000 and seen["decoded"] > 1000, seen  # both paths really exercised
