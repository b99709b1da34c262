"""The live Text-to-Dialogue route under generated traffic (real sockets, tone voice): batches of
valid frames with a mutated one mixed in, over 10,000 frames in all. The server never crashes
or hangs, and answers exactly as its sans-IO model says: the first bad frame gets its error frame
and close 1008; a batch with none ends with an is_final per context and close 1000."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings, strategies as st
from websockets.sync.client import connect

from tests.test_dialogue_fuzz import mutated
from tests.test_protocol_fuzz import expected_outcome, recv_all, send_all
from tui.protocol import dialogue as ttd
from tui.server import ManualClock
from tui.server.dialogue_contexts import DialogueConnection

from .dialogue_wire import A, B, ttd_url

LIVE_FRAMES = 10_000
RECV_TIMEOUT = 5.0

open_ids = st.sampled_from(["a", "b", "c", "d"])
words = st.text(alphabet="abcdefgh xyz.,!?", max_size=12)
openings = st.lists(
    st.builds(lambda i, two: {"context_id": i, "voices": [A, B] if two else [A]}, open_ids, st.booleans()),
    min_size=1,
    max_size=4,
    unique_by=lambda f: f["context_id"],
)
valid = st.one_of(
    st.builds(
        lambda i, t, v, n: {"context_id": i, "inputs": [{"text": t, "voice_id": v, "new_turn": n}]},
        open_ids,
        words,
        st.just(A),
        st.booleans(),
    ),
    st.builds(lambda i: {"context_id": i, "flush": True}, open_ids),
    st.builds(lambda i: {"context_id": i, "keep_alive": True}, open_ids),
)


def test_a_live_dialogue_socket_answers_every_batch_exactly_as_its_model_says(threaded_local_server, caplog):
    url = ttd_url(threaded_local_server.url, output_format="pcm_8000")
    seen = {"frames": 0, "failures": 0}

    @settings(
        max_examples=320,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(openings, st.lists(valid, min_size=60, max_size=100), st.none() | mutated(valid))
    def check(opened, frames, bad):
        ids = {f["context_id"] for f in opened}
        batch = [json.dumps(f) for f in opened] + [json.dumps(f) for f in frames if f["context_id"] in ids]
        batch += [bad] if bad is not None else []
        failure, finals = expected_outcome(DialogueConnection(ManualClock()), ttd.decode_client, batch)
        with connect(url, open_timeout=RECV_TIMEOUT, close_timeout=RECV_TIMEOUT, max_size=2**24) as ws:
            seen["frames"] += send_all(ws, batch + [json.dumps({"close_socket": True})])
            got = recv_all(ws)
            code = ws.close_code
        if failure is not None:
            seen["failures"] += 1
            assert got[-1] == json.loads(ttd.encode_server(failure))
            assert code == failure.code == 1008
        else:
            assert code == 1000
            assert sorted(f["context_id"] for f in got if f.get("is_final") is True) == sorted(finals)
        flushes = sum(1 for f in batch if ttd.client_step(ttd.decode_client(f)).kind.value == "flush")
        if failure is None:  # one is_final_audio_for_turn per flush, never riding with audio
            assert sum(f.get("is_final_audio_for_turn") is True for f in got) == flushes
        assert not [f for f in got if "audio" in f and ("is_final" in f or "is_final_audio_for_turn" in f)]

    check()
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []
    assert seen["frames"] >= LIVE_FRAMES and seen["failures"] > 20, seen
