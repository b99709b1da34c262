"""The console's tests never read or write the operator's real config: XDG_CONFIG_HOME is a tmp dir."""

import pytest


@pytest.fixture(autouse=True)
def private_config_home(tmp_path, monkeypatch):
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home
