"""Hypothesis fuzz of the Inworld decoders: generated and mutated frames, client and server side.

Every frame becomes a typed frame or a DecodeError (never an exception), and what decodes
re-encodes canonically and stably. The live route gets its own fuzz in
tests/server/test_inworld_fuzz_live.py.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from tui.protocol import inworld as iw
from tui.protocol.frames import DecodeError

MIN_FRAMES = 10_000

json_scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=10)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
ids = st.sampled_from(["a", "b", "c", None])
id_key = st.sampled_from(["contextId", "context_id"])
texts = st.text(alphabet="abc xyz.,!?", max_size=14)
encodings = st.sampled_from(list(iw.ENCODINGS))
op_names = st.sampled_from(sorted(iw._OPS))


def envelope(op: str, body: Any, context_id: str | None, key: str) -> dict[str, Any]:
    return {op: body} if context_id is None else {op: body, key: context_id}


create_body = st.fixed_dictionaries(
    {"voiceId": st.just("Ashley"), "modelId": st.just("inworld-tts-2")},
    optional={
        "audioConfig": st.fixed_dictionaries(
            {"audioEncoding": encodings}, optional={"sampleRateHertz": st.sampled_from([8000, 16000, 24000, 48000])}
        ),
        "autoMode": st.booleans(),
        "bufferCharThreshold": st.integers(1, 1000),
        "maxBufferDelayMs": st.integers(0, 5000),
        "timestampType": st.sampled_from(list(iw.TIMESTAMP_TYPES)),
        "timestampTransportStrategy": st.sampled_from(list(iw.TRANSPORTS)),
        "temperature": st.floats(0.1, 2.0),
    },
)
client_valid = st.one_of(
    st.builds(lambda b, i, k: envelope("create", b, i, k), create_body, ids, id_key),
    st.builds(
        lambda o, t, i, k: envelope(o, {"text": t}, i, k),
        st.sampled_from(["send_text", "sendText"]),
        texts,
        ids,
        id_key,
    ),
    st.builds(lambda t, i, k: envelope("send_text", {"text": t, "flush_context": {}}, i, k), texts, ids, id_key),
    st.builds(
        lambda o, i, k: envelope(o, {}, i, k), op_names.filter(lambda o: "ext" not in o and o != "create"), ids, id_key
    ),
)
b64 = st.binary(max_size=12).map(lambda b: base64.b64encode(b).decode())
words = st.fixed_dictionaries(
    {
        "words": st.just(["Hi", "you"]),
        "wordStartTimeSeconds": st.just([0, 0.4]),
        "wordEndTimeSeconds": st.just([0.3, 0.7]),
    }
)
OK = {"code": 0, "message": "", "details": []}
server_valid = st.one_of(
    st.builds(lambda a, i: {"result": {"contextId": i, "audioChunk": {"audioContent": a}, "status": OK}}, b64, ids),
    st.builds(
        lambda w, i: {"result": {"contextId": i, "audioChunk": {"timestampInfo": {"wordAlignment": w}}, "status": OK}},
        words,
        ids,
    ),
    st.builds(
        lambda e, i: {"result": {"contextId": i, e: {}, "status": OK}},
        st.sampled_from(["contextCreated", "flushCompleted", "contextClosed", "contextUpdated"]),
        ids,
    ),
    st.builds(lambda m, i: {"result": {"contextId": i, "status": {"code": 5, "message": m}}}, texts, ids),
    st.builds(lambda m: {"error": {"code": 3, "message": m}}, texts),
)


def mutate(frame: dict[str, Any], draw) -> str | bytes:
    kind = draw(st.sampled_from(["value", "inner", "drop", "add", "splice", "garbage", "binary", "scalar"]))
    if kind == "value" and frame:
        frame[draw(st.sampled_from(sorted(frame)))] = draw(json_values)
    elif kind == "inner":
        for value in frame.values():
            if isinstance(value, dict) and value:
                value[draw(st.sampled_from(sorted(value)))] = draw(json_values)
                break
    elif kind == "drop" and frame:
        del frame[draw(st.sampled_from(sorted(frame)))]
    elif kind == "add":
        frame[draw(op_names | st.sampled_from(["result", "error", "contextId"]) | st.text(max_size=5))] = draw(
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
    elif kind == "scalar":
        return json.dumps(draw(json_scalars.filter(lambda v: v == v)))
    return json.dumps(frame)


@st.composite
def mutated(draw, base) -> str | bytes:
    return mutate(json.loads(json.dumps(draw(base))), draw)


any_frame = st.one_of(
    client_valid.map(json.dumps), server_valid.map(json.dumps), mutated(client_valid), mutated(server_valid)
)


def test_inworld_decoders_survive_generated_and_mutated_frames_and_reencode_stably():
    seen = {"frames": 0, "errors": 0}

    @settings(max_examples=220, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(any_frame, min_size=40, max_size=60))
    def check(frames):
        for frame in frames:
            seen["frames"] += 1
            for decode, encode in ((iw.decode_client, iw.encode_client), (iw.decode_server, iw.encode_server)):
                decoded = decode(frame)
                if isinstance(decoded, DecodeError):
                    seen["errors"] += 1
                    assert isinstance(decoded.reason, str) and decoded.reason
                    continue
                canonical = encode(decoded)
                assert encode(decode(canonical)) == canonical

    check()
    assert seen["frames"] >= MIN_FRAMES, seen
    assert seen["errors"] > seen["frames"] // 4, seen  # the mutations do reach the error paths
