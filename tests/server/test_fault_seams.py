"""Each fault is carried out at the seam its FaultSpec field names: the model's actions
(FaultyModel) or a turn's audio on its way out (AudioPacing); a spec with none at a seam leaves
that seam untouched."""

from __future__ import annotations

from dataclasses import fields

import pytest

from tui.server import ManualClock
from tui.server.actions import Turn
from tui.server.contexts import MultiContextConnection
from tui.server.fault_plan import FaultPlan, FaultyModel
from tui.server.faults import FaultSpec, parse_faults

ONE_OF_EACH = {
    "race": ("race=0.1", "actions"),
    "race_empty": ("race_empty=0.1", "actions"),
    "race_silent": ("race_silent=0.1", "actions"),
    "quota": ("quota", "actions"),
    "murf_limit": ("murf_limit=2", "actions"),
    "ttfa": ("ttfa=10ms", "audio"),
    "jitter": ("jitter=5ms", "audio"),
    "drop": ("drop=0.1", "audio"),
}


def test_every_fault_of_the_spec_is_checked_here():
    assert set(ONE_OF_EACH) == {f.name for f in fields(FaultSpec)}


@pytest.mark.parametrize("name", list(ONE_OF_EACH))
def test_a_fault_wraps_only_its_own_seam(name):
    text, seam = ONE_OF_EACH[name]
    clock = ManualClock()
    faults = FaultPlan(parse_faults(text)).connection("test", clock)
    model = MultiContextConnection(clock)

    async def send(frame: str) -> None: ...

    async def finished(generate) -> None: ...

    wrapped = faults.wrap(model)
    paced = faults.pace(Turn("t1"), send, finished, lambda: None)
    assert isinstance(wrapped, FaultyModel) is (seam == "actions")
    assert (paced != (send, finished)) is (seam == "audio")
