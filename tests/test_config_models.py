"""The model the status strip shows is the one the wire names (a figure means what its label says)."""

from __future__ import annotations

import pytest

from tui.core.config import resolve_config
from tui.protocol import cartesia, inworld
from tui.protocol.dialect import Dialect
from tui.session.wire import Wire


@pytest.mark.parametrize(
    ("dialect", "model"), [(Dialect.INWORLD, inworld.DEFAULT_MODEL), (Dialect.CARTESIA, cartesia.DEFAULT_MODEL)]
)
def test_on_the_local_server_the_config_names_the_model_each_request_carries(dialect, model):
    config = resolve_config(dialect=dialect.value)
    assert config.model == model
    wire = Wire(dialect, audio_format=config.audio_format, model=None, voice=config.voice)
    opening = wire.open("t") + wire.text("t", "Hello. ", flush=True)
    assert any(model in frame for frame in opening), opening
