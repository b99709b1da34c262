"""simpleaudio never crashes the interpreter: the archived build is refused where it segfaults
(Python 3.12+), the maintained fork (simpleaudio-patched, the `simpleaudio` extra) is used."""

from __future__ import annotations

import sys

import pytest

from tui.audio import make_speaker
from tui.audio.simpleaudio_out import archived_build_problem


@pytest.fixture
def archived_simpleaudio(tmp_path, monkeypatch):
    """The archived distribution's metadata first on sys.path, as `pip install simpleaudio` leaves it."""
    info = tmp_path / "simpleaudio-1.0.4.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 1.1\nName: simpleaudio\nVersion: 1.0.4\n")
    monkeypatch.syspath_prepend(str(tmp_path))


def test_the_archived_build_is_refused_from_python_3_12_with_the_fix(archived_simpleaudio):
    for python in ((3, 12, 1), (3, 13, 0)):
        problem = archived_build_problem(python)
        assert problem and "simpleaudio 1.0.4" in problem and f"Python {python[0]}.{python[1]}" in problem
        assert "pip uninstall simpleaudio" in problem and "switchboard[simpleaudio]" in problem
    assert archived_build_problem((3, 11, 7)) is None  # it runs there: nothing to refuse


@pytest.mark.skipif(sys.version_info < (3, 12), reason="the refusal applies from Python 3.12")
def test_the_speaker_stays_silent_and_says_why_instead_of_crashing(archived_simpleaudio):
    speaker = make_speaker("simpleaudio")
    try:
        assert speaker.backend_name == "none"
        assert "crashes Python" in speaker.silent_reason and "\n" not in speaker.silent_reason
    finally:
        speaker.close()


def test_the_fork_is_what_the_project_installs():
    from importlib import metadata

    # `make setup` removes the archived build (same module name) and installs the fork.
    owners = {name.lower() for name in metadata.packages_distributions().get("simpleaudio", [])}
    assert owners == {"simpleaudio-patched"}, owners
