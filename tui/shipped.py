"""What ships with the app, and where the app keeps what it makes.

The repo keeps `themes/`, `recordings/` and `scenarios/` at its top level (the product card's
layout); the wheel carries them inside the package as `tui/_shipped/themes`, `.../recordings` and
`.../scenarios` (pyproject's hatch `sources`). So a checkout (or an editable install of it) reads
them from the top of the repo, an installed app from the package: `shipped_dir` answers for both.

Session recordings go to `./recordings` in a checkout, as they always have, and to the platform's
user data directory when installed (`~/.local/share/switchboard/recordings` on Linux, honouring
XDG_DATA_HOME), never into whatever folder the user happens to stand in. `--record-dir` overrides.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PACKAGED = PACKAGE / "_shipped"  # present only in a built wheel
CHECKOUT = PACKAGE.parent  # the repo's top, when running from a checkout
DEMO_PREFIX = "demo-"
RECORDING_SUFFIX = ".jsonl"
SCENARIO_SUFFIX = ".toml"
SCENARIOS = "scenarios"


def installed() -> bool:
    """Running from a built wheel (pip, pipx, uv tool), not from a checkout."""
    return PACKAGED.is_dir()


def shipped_dir(name: str) -> Path:
    """`themes`, `recordings` or `scenarios` as shipped: inside the package when installed, else the checkout's."""
    return PACKAGED / name if installed() else CHECKOUT / name


def default_record_dir() -> Path:
    """Where session recordings go unless --record-dir says otherwise."""
    if not installed():
        return Path("recordings")
    from platformdirs import user_data_path  # honours XDG_DATA_HOME on Linux

    return user_data_path("switchboard", appauthor=False) / "recordings"


def find_recording(name: str | Path) -> Path:
    """A recording by path, or a shipped demo by name (`demo-flight-booking`, with or without
    `.jsonl`) when no such file exists. Returns the path given when neither is found, so the
    reader reports it as the user typed it."""
    path = Path(name)
    if path.exists() or path.parent != Path("."):
        return path
    stem = path.name.removesuffix(RECORDING_SUFFIX)
    for folder in (shipped_dir("recordings"), default_record_dir()):
        candidate = folder / f"{stem}{RECORDING_SUFFIX}"
        if candidate.is_file():
            return candidate
    return path


def shipped_demos() -> list[str]:
    """The demo recordings' names, for help and error messages."""
    folder = shipped_dir("recordings")
    return sorted(p.name.removesuffix(RECORDING_SUFFIX) for p in folder.glob(f"{DEMO_PREFIX}*{RECORDING_SUFFIX}"))


def find_scenario(name: str | Path) -> Path:
    """A scenario file by path, or a shipped scenario by name when no such file exists: `elevenlabs`,
    `elevenlabs.toml`, or the `scenarios/elevenlabs.toml` that scenarios/README.md writes (so its
    commands work as written from any folder once installed). Returns the path given when none is
    found, so the reader reports it as the user typed it."""
    path = Path(name)
    if path.exists() or path.parent not in (Path("."), Path(SCENARIOS)):
        return path
    candidate = shipped_dir(SCENARIOS) / f"{path.name.removesuffix(SCENARIO_SUFFIX)}{SCENARIO_SUFFIX}"
    return candidate if candidate.is_file() else path


def shipped_scenarios() -> list[str]:
    """The shipped scenarios' names, for help and error messages."""
    return sorted(p.stem for p in shipped_dir(SCENARIOS).glob(f"*{SCENARIO_SUFFIX}"))


def version() -> str:
    """The installed distribution's version (pyproject's `version`, the one source of it)."""
    try:
        return metadata.version("switchboard")
    except metadata.PackageNotFoundError:  # a checkout imported without installing it
        return "unknown (not installed)"
