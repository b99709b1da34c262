"""A turn a fault abandoned is forgotten by its dialect model (FaultyModel asks `model.forget`):
it no longer holds one of the connection's places, as a context that sent its final does not.
Sans-IO, on the real models and the real fault plan."""

from __future__ import annotations

from tui.protocol import elevenlabs as el, murf
from tui.server import ManualClock
from tui.server.actions import Fail, SendError
from tui.server.contexts import MultiContextConnection
from tui.server.fault_plan import Abandon, FaultPlan
from tui.server.faults import parse_faults
from tui.server.murf_turns import MurfConnection


def test_contexts_the_quota_answered_leave_room_for_five_more():
    clock = ManualClock()
    model = MultiContextConnection(clock)
    faulty = FaultPlan(parse_faults("quota")).connection("test", clock).wrap(model)
    for n in range(1, 2 * el.MAX_CONTEXTS + 1):
        actions = faulty.receive(el.SendText("Hello there. ", f"c{n}", flush=True))
        assert [a.turn.context_id for a in actions if isinstance(a, Abandon)] == [f"c{n}"]
        assert not [a for a in actions if isinstance(a, Fail)], f"context {n} refused"
    assert model.contexts == {}


def test_murf_turns_the_quota_answered_leave_room_under_a_lowered_limit():
    clock = ManualClock()
    model = MurfConnection(clock)
    faulty = FaultPlan(parse_faults("quota,murf_limit=2")).connection("test", clock).wrap(model)
    for n in range(1, 6):
        actions = faulty.receive(murf.SendText("Hello there.", f"c{n}", end=True))
        assert [a.turn.context_id for a in actions if isinstance(a, Abandon)] == [f"c{n}"]
        assert not [a for a in actions if isinstance(a, SendError)], f"turn {n} refused"
    assert model.turns == {}
