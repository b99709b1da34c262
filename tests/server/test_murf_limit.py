"""Murf's active-context limit on the local server (PROTOCOL.md §5; the value is chosen in
tui/protocol/murf.py): a context beyond it gets an error frame with Murf's human text and its
context id, and the socket stays open for the contexts it holds.
"""

from __future__ import annotations

from tui.protocol import murf
from tui.protocol.murf import End, SendText
from tui.server import ManualClock
from tui.server.actions import Generate, SendError
from tui.server.murf_turns import MurfConnection

from .wire import client, context_of, is_final, murf_endpoint

LIMIT = murf.MAX_ACTIVE_CONTEXTS


def test_a_context_beyond_murfs_limit_is_refused_by_name_and_the_held_ones_go_on():
    model = MurfConnection(ManualClock())
    for n in range(LIMIT):
        assert model.receive(SendText("waiting words", f"c{n}")) == []  # buffered: no sentence end yet
    refused = model.receive(SendText("one too many", "extra"))
    assert refused == [SendError(murf.context_limit_error("extra"))]
    error = refused[0].error
    assert error.error == murf.CONTEXT_LIMIT_MESSAGE == "Exceeded Active context limit"
    assert error.context_id == "extra" and not model.done
    assert "extra" not in model.turns and len(model.turns) == LIMIT
    # A held context still takes text; once one is finished a new id fits again.
    assert model.receive(SendText("more words", "c0")) == []
    for action in model.receive(End("c0")):  # the runtime finishes its generation
        if isinstance(action, Generate):
            model.generation_finished(action)
    assert "c0" not in model.turns
    assert model.receive(SendText("now it fits", "extra")) == []
    assert "extra" in model.turns


def test_the_limit_error_encodes_with_its_text_in_error_and_the_context_id_echoed():
    wire = murf.decode_server(murf.encode_server(murf.context_limit_error("turn_16")))
    assert wire.error == "Exceeded Active context limit" and wire.context_id == "turn_16"
    assert "Exceeded Active context limit" in wire.message


async def test_murf_server_refuses_the_context_past_its_limit_and_keeps_the_socket_open(local_server):
    async with client(murf_endpoint(local_server, format="PCM")) as ws:
        for n in range(LIMIT):
            await ws.send({"text": "still typing", "context_id": f"c{n}"})
        await ws.send({"text": "one too many", "context_id": "extra"})
        frame = await ws.recv()
        assert frame["error"] == "Exceeded Active context limit" and context_of(frame) == "extra"
        await ws.send({"text": "ends here.", "context_id": "c0", "end": True})
        frames = await ws.until(lambda f: is_final(f, "c0"))
        assert any("audio" in f for f in frames)
        assert ws.close_code is None
