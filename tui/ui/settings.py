"""The user's persisted choices: `$XDG_CONFIG_HOME/switchboard/config.toml`.

    theme = "stage"

Only the keys this module writes are touched; anything else in the file is kept as the user
wrote it, comments and layout included (tomlkit edits the document in place). A config file
with an error is never overwritten (it is the user's): the choice is not saved and the caller
gets one line saying why.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from platformdirs import user_downloads_path
from tomlkit.exceptions import TOMLKitError

THEME_KEY = "theme"


def config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_CONFIG_HOME/switchboard` (default `~/.config/switchboard`): config, keymap, themes."""
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "~")) / ".config")
    return Path(base).expanduser() / "switchboard"


def screenshot_dir() -> Path:
    """Where the palette's Screenshot goes: the user's Downloads folder when there is one, else the
    current directory (Textual's default, ~/Downloads, fails where that folder does not exist)."""
    downloads = user_downloads_path()
    return downloads if downloads.is_dir() else Path.cwd()


def config_path(environ: Mapping[str, str] = os.environ) -> Path:
    return config_dir(environ) / "config.toml"


@dataclass(frozen=True)
class LoadedConfig:
    data: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    unreadable: bool = False  # the file exists but is not TOML we can read: never overwrite it

    @property
    def theme(self) -> str | None:
        value = self.data.get(THEME_KEY)
        return value if isinstance(value, str) and value else None


def load_config(path: Path | None = None) -> LoadedConfig:
    """The config file's content; a missing file is empty, a broken one a `problem`."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadedConfig()
    except (OSError, UnicodeDecodeError) as exc:
        return LoadedConfig(problem=f"config {path}: cannot read it ({exc.__class__.__name__})", unreadable=True)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return LoadedConfig(problem=f"config {path}: not valid TOML: {exc}", unreadable=True)
    loaded = LoadedConfig(data)
    if THEME_KEY in data and loaded.theme is None:
        return LoadedConfig(data, f"config {path}: {THEME_KEY} must be a theme name in quotes")
    return loaded


def save_setting(key: str, value: Any, path: Path | None = None) -> str | None:
    """Set one top-level key, keeping the rest; returns a problem line, or None when saved."""
    path = path or config_path()
    loaded = load_config(path)
    if loaded.unreadable:
        return f"{loaded.problem}; not saving {key}"
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
        document[key] = value
        text = tomlkit.dumps(document)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside it, then rename: a crash mid-write never leaves half a config.
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, TypeError, ValueError, TOMLKitError) as exc:
        return f"config {path}: cannot save {key} ({exc})"
    return None


def save_theme(name: str, path: Path | None = None) -> str | None:
    """Persist the chosen theme (the palette calls this on every switch)."""
    return save_setting(THEME_KEY, name, path)
