"""Fault rehearsal: the `--faults SPEC` grammar of `switchboard serve`, parsed into a `FaultSpec`.

Production services fail in known ways (PROTOCOL.md §5); a developer rehearses them offline by
asking the local server to fail the same way, seeded so that a run can be repeated exactly
(fault_plan.py carries the spec out). The grammar, items separated by commas:

    SPEC  := ITEM ("," ITEM)*
    ITEM  := PROFILE | NAME | NAME "=" VALUE

    race=P          close_context within 250 ms of a flush of the same context loses the race:
                    half the time an isFinal with zero audio, half the time no isFinal at all
    race_empty=P    ... always the zero-audio isFinal
    race_silent=P   ... always no isFinal (the client must time the context out itself)
    quota[=P]       a context's first generation is answered at once with an isFinal (Murf: final)
                    with zero audio and no error, as with an exhausted quota (pipecat #5026)
    ttfa=D[±D]      delay before the first audio of each generation, uniform in mean±spread
                    (`+-` works for `±`); D is `180ms` or `0.18s`
    jitter=D        extra delay before every later audio frame, uniform in 0..D
    drop=P          per generation, abort the TCP connection (the client sees 1006) right after
                    its first audio frame
    murf_limit=N    Murf's active-context limit lowered to N (1..15): a turn past it gets
                    "Exceeded Active context limit" with its context id, socket left open

P is a probability, `0.025` or `2.5%`. A profile names a set of items; later items override it:
`--faults peak-hour,drop=0.01`. A bad spec raises `FaultSpecError` with one line.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from typing import Any

from tui.protocol import murf

# The race's window: pipecat sends close_context ~1 ms after the flush; a console pacing words
# sends it one word later at the most.
RACE_WINDOW = 0.25
MAX_TTFA = 10.0
MAX_JITTER = 2.0

PROFILES: dict[str, str] = {
    # pipecat #4681/#5282: ~2.5 % of peak-hour turns lose the race; a loaded service answers late.
    "peak-hour": "race=2.5%,ttfa=250ms±80ms,jitter=25ms",
    # A client far from the service's region: the service's 150-200 ms TTFB plus the ocean.
    "transatlantic": "ttfa=180ms±60ms,jitter=20ms",
    "quota-exhausted": "quota",
    "flaky-network": "drop=5%,ttfa=120ms±40ms,jitter=40ms",
}


class FaultSpecError(ValueError):
    """A bad `--faults` spec; `str()` is one line naming the bad item."""


@dataclass(frozen=True)
class Latency:
    """A delay drawn uniformly from mean-spread .. mean+spread seconds (never below 0)."""

    mean: float
    spread: float = 0.0

    def draw(self, rng: random.Random) -> float:
        return max(0.0, self.mean + rng.uniform(-self.spread, self.spread)) if self.spread else self.mean


class Seam(Enum):
    """Where fault_plan.py carries a fault out: each FaultSpec field names its seam."""

    ACTIONS = "actions"  # FaultyModel rewrites the model's actions
    AUDIO = "audio"  # AudioPacing delays or cuts a turn's audio frames on their way out


def _at(seam: Seam) -> dict[str, Seam]:
    return {"seam": seam}


@dataclass(frozen=True)
class FaultSpec:
    race: float = field(default=0.0, metadata=_at(Seam.ACTIONS))
    race_empty: float = field(default=0.0, metadata=_at(Seam.ACTIONS))
    race_silent: float = field(default=0.0, metadata=_at(Seam.ACTIONS))
    quota: float = field(default=0.0, metadata=_at(Seam.ACTIONS))
    ttfa: Latency | None = field(default=None, metadata=_at(Seam.AUDIO))
    jitter: float = field(default=0.0, metadata=_at(Seam.AUDIO))
    drop: float = field(default=0.0, metadata=_at(Seam.AUDIO))
    murf_limit: int | None = field(default=None, metadata=_at(Seam.ACTIONS))

    @property
    def active(self) -> bool:
        return self != FaultSpec()

    def acts_at(self, seam: Seam) -> bool:
        """Some fault carried out at `seam` is on (differs from its default)."""
        return any(f.metadata["seam"] is seam and getattr(self, f.name) != f.default for f in fields(self))

    def describe(self) -> str:
        """The spec in its own grammar, defaults left out (for the server's log)."""
        items: list[str] = []
        for item in fields(self):
            value = getattr(self, item.name)
            if value == item.default:
                continue
            if isinstance(value, Latency):
                value = f"{value.mean * 1000:g}ms±{value.spread * 1000:g}ms"
            elif item.name == "jitter":
                value = f"{value * 1000:g}ms"
            items.append(f"{item.name}={value:g}" if isinstance(value, float) else f"{item.name}={value}")
        return ",".join(items) or "none"


_PROBABILITIES = ("race", "race_empty", "race_silent", "quota", "drop")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s)")


def _probability(name: str, value: str) -> float:
    text = value.strip()
    percent = text.endswith("%")
    try:
        number = float(text.rstrip("%")) / (100.0 if percent else 1.0)
    except ValueError:
        raise FaultSpecError(
            f"{name}={value}: a probability is 0..1 or a percentage, e.g. {name}=0.025 or {name}=2.5%"
        ) from None
    if not 0.0 <= number <= 1.0:
        raise FaultSpecError(f"{name}={value}: a probability must be from 0 to 1 (0% to 100%)")
    return number


def _seconds(name: str, value: str, limit: float) -> float:
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        raise FaultSpecError(f"{name}={value}: a duration needs a unit, e.g. 180ms or 0.18s")
    seconds = float(match.group(1)) / (1000.0 if match.group(2) == "ms" else 1.0)
    if seconds > limit:
        raise FaultSpecError(f"{name}={value}: at most {limit:g}s")
    return seconds


def _latency(name: str, value: str) -> Latency:
    mean, sep, spread = value.replace("+-", "±").partition("±")
    return Latency(_seconds(name, mean, MAX_TTFA), _seconds(name, spread, MAX_TTFA) if sep else 0.0)


def _murf_limit(name: str, value: str) -> int:
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if not 1 <= limit <= murf.MAX_ACTIVE_CONTEXTS:
        raise FaultSpecError(
            f"{name}={value}: a whole number from 1 to {murf.MAX_ACTIVE_CONTEXTS} (it lowers Murf's limit)"
        )
    return limit


_VALUES: dict[str, Callable[[str, str], Any]] = {
    **{name: _probability for name in _PROBABILITIES},
    "ttfa": _latency,
    "jitter": lambda name, value: _seconds(name, value, MAX_JITTER),
    "murf_limit": _murf_limit,
}
_FLAGS = {"quota": 1.0}  # names that may stand alone


def parse_faults(text: str, *, _depth: int = 0) -> FaultSpec:
    """The spec `text` names; FaultSpecError (one line) if any item is bad."""
    spec = FaultSpec()
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise FaultSpecError("empty fault spec; e.g. race=0.025,ttfa=180ms±60ms, or a profile: " + ", ".join(PROFILES))
    for item in items:
        if not item:
            raise FaultSpecError(f"empty item in {text!r} (two commas in a row?)")
        name, has_value, value = (part.strip() for part in item.partition("="))
        name = name.lower().replace("-", "_")
        if not has_value and item.lower() in PROFILES and _depth == 0:
            spec = _merge(spec, parse_faults(PROFILES[item.lower()], _depth=1))
        elif not has_value and name in _FLAGS:
            spec = _with(spec, name, _FLAGS[name])
        elif name in _VALUES and has_value:
            spec = _with(spec, name, _VALUES[name](name, value))
        elif name in _VALUES:
            raise FaultSpecError(f"{item}: needs a value, e.g. {name}=" + _EXAMPLES[name])
        else:
            raise FaultSpecError(
                f"unknown fault {item!r}; faults: {', '.join(_VALUES)}; profiles: {', '.join(PROFILES)}"
            )
    return spec


_EXAMPLES = {**{name: "0.025" for name in _PROBABILITIES}, "ttfa": "180ms±60ms", "jitter": "20ms", "murf_limit": "2"}


def _merge(base: FaultSpec, over: FaultSpec) -> FaultSpec:
    """`over`'s non-default items on top of `base`."""
    changed: dict[str, Any] = {
        f.name: getattr(over, f.name) for f in fields(over) if getattr(over, f.name) != f.default
    }
    return replace(base, **changed)


def _with(spec: FaultSpec, name: str, value: Any) -> FaultSpec:
    """`spec` with one item set by its name (the parser checked name and value)."""
    changes: dict[str, Any] = {name: value}
    return replace(spec, **changes)
