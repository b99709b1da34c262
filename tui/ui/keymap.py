"""The operator's key remapping: `$XDG_CONFIG_HOME/switchboard/keymap.toml`.

The file maps binding ids (see `tui.ui.actions.ACTIONS`, or press F1) to Textual key names:

    barge-in = "escape,ctrl+b"
    keep-alive = "f12"

A bad file never stops the console: the valid entries apply and each problem comes back as one
line the app shows in its banner.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .actions import COMPOSER_KEYS, binding_ids, default_keys
from .settings import config_dir


@dataclass(frozen=True)
class LoadedKeymap:
    keymap: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    path: Path | None = None


def default_keymap_path(environ: Mapping[str, str] = os.environ) -> Path:
    return config_dir(environ) / "keymap.toml"


def parse_keymap(text: str, known_ids: frozenset[str] | None = None) -> LoadedKeymap:
    """Validate keymap TOML text; unknown ids and unusable keys are reported, not applied."""
    known = binding_ids() if known_ids is None else known_ids
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return LoadedKeymap(problems=(f"keymap is not valid TOML: {exc}",))
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in table.items():
        if binding_id not in known:
            problems.append(f"keymap: unknown binding id {binding_id!r} (known: {', '.join(sorted(known))})")
            continue
        if not isinstance(keys, str) or not keys.strip():
            problems.append(f'keymap: {binding_id} must be a string of keys such as "f2" or "ctrl+b,f12"')
            continue
        names = _split(keys)
        taken = [k for k in names if k in COMPOSER_KEYS]
        if taken:
            problems.append(f"keymap: {binding_id} cannot use {', '.join(taken)} (the composer needs it)")
            names = [k for k in names if k not in COMPOSER_KEYS]
        if names:
            keymap[binding_id] = ",".join(names)
    return _without_clashes(keymap, problems)


def _split(keys: str) -> list[str]:
    return [k.strip() for k in keys.split(",") if k.strip()]


def _without_clashes(keymap: dict[str, str], problems: list[str]) -> LoadedKeymap:
    """Drop each remapped key that another action still owns, and say so.

    Textual reports a clash only between bindings of one node (`handle_bindings_clash`); the
    app's quit and the screen's actions live on different nodes, so `raw-send = "ctrl+q"` would
    silently lose to quit. An action that keeps no key keeps its default instead.
    """
    owner: dict[str, str] = {}
    for binding_id, keys in default_keys().items():
        if binding_id not in keymap:  # a remapped action gives its default keys up
            owner.update((k, binding_id) for k in _split(keys) if k not in owner)
    applied: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        kept, taken = [], []
        for key in _split(keys):
            if key in owner and owner[key] != binding_id:
                taken.append(f"{key}: {owner[key]} has it")
            else:
                owner[key] = binding_id
                kept.append(key)
        if kept:
            applied[binding_id] = ",".join(kept)
        if taken:
            keeps = "" if kept else f" ({binding_id} keeps {default_keys()[binding_id]})"
            problems.append(f"keymap: {binding_id} cannot use {'; '.join(taken)}{keeps}")
    return LoadedKeymap(applied, tuple(problems))


def load_keymap(path: Path | None = None) -> LoadedKeymap:
    """Read the keymap file; a missing file is an empty keymap, not a problem."""
    path = path or default_keymap_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadedKeymap(path=path)
    except (OSError, UnicodeDecodeError) as exc:
        return LoadedKeymap(problems=(f"keymap {path}: cannot read it ({exc.__class__.__name__})",), path=path)
    loaded = parse_keymap(text)
    return LoadedKeymap(loaded.keymap, tuple(f"{path}: {p}" for p in loaded.problems), path)
