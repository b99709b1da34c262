"""Expectations: `NAME[.AGG] OP VALUE`, checked against a run's per-turn facts.

    ttfa_ms.p95 < 300          a run-level figure over every turn that has one
    late_frames == 0           run level, no aggregate: holds for every turn that has a value
    interrupted == true        on a turn (a `say` step's own `expect`): that turn's fact
    error == "max_active_conversations"

An expectation on a turn names no aggregate. A fact a turn lacks (no audio: no `ttfa_ms`;
no word timings: no `words_spoken`) fails a turn-level expectation ("no value"); at run level
the turns without it are left out, and a figure no turn has fails. `error` is the first error
code the server gave for the turn (its message when it gave no code), "" when none.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NUMBERS = (
    "ttfa_ms",
    "ttfa_text_ms",
    "close_to_final_ms",
    "late_frames",
    "audio_s_received",
    "audio_s_heard",
    "words_spoken",
    "words_total",
    "errors",
)
BOOLS = ("interrupted", "final")
TEXTS = ("error",)
RUN_NUMBERS = ("turns", "run_errors")  # run level only: how many turns, errors not tied to a turn
AGGREGATES = ("p50", "p95", "max", "min", "mean", "sum", "count")
OPS = ("==", "!=", "<=", ">=", "<", ">")
_FORM = re.compile(r"^\s*([a-z_0-9]+)(?:\.([a-z0-9]+))?\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$")


class ExpectationError(ValueError):
    """A malformed expectation; `str()` says what is wrong in one line."""


@dataclass(frozen=True)
class Expectation:
    text: str  # as written
    name: str
    aggregate: str | None
    op: str
    value: float | bool | str


@dataclass(frozen=True)
class Outcome:
    expectation: str
    where: str  # "run", or the turn's "turn 2 (turn_2)"
    ok: bool
    actual: Any  # what was measured (None: no value)
    detail: str = ""


def parse_expectation(text: object, *, on_turn: bool) -> Expectation:
    """The expectation in `text`, or ExpectationError with one line."""
    if not isinstance(text, str):
        raise ExpectationError(f'an expectation is a string like "late_frames == 0", not {text!r}')
    m = _FORM.match(text)
    if m is None:
        raise ExpectationError(f'{text!r} is not NAME OP VALUE (e.g. "ttfa_ms.p95 < 300"; OP one of {" ".join(OPS)})')
    name, aggregate, op, raw = m.groups()
    known = NUMBERS + BOOLS + TEXTS + ((), RUN_NUMBERS)[not on_turn]
    if name not in known:
        raise ExpectationError(f"{text!r}: unknown fact {name!r} (one of {', '.join(known)})")
    if aggregate is not None:
        if on_turn:
            raise ExpectationError(f"{text!r}: a turn's expectation takes no aggregate (.{aggregate}): it is one turn")
        if aggregate not in AGGREGATES:
            raise ExpectationError(f"{text!r}: unknown aggregate .{aggregate} (one of {', '.join(AGGREGATES)})")
        if name not in NUMBERS:
            raise ExpectationError(f"{text!r}: .{aggregate} needs a number fact, {name} is not one")
    return Expectation(text.strip(), name, aggregate, op, _value(text, name, aggregate, op, raw))


def _value(text: str, name: str, aggregate: str | None, op: str, raw: str) -> float | bool | str:
    if name in BOOLS and aggregate is None:
        if raw not in ("true", "false") or op not in ("==", "!="):
            raise ExpectationError(f"{text!r}: {name} is compared with == or != to true or false")
        return raw == "true"
    if name in TEXTS:
        if op not in ("==", "!=") or len(raw) < 2 or raw[0] != raw[-1] or raw[0] not in "\"'":
            raise ExpectationError(f"{text!r}: {name} is compared with == or != to a quoted string")
        return raw[1:-1]
    try:
        number = float(raw)
    except ValueError:
        raise ExpectationError(f"{text!r}: {raw!r} is not a number") from None
    if not math.isfinite(number):
        raise ExpectationError(f"{text!r}: {raw!r} is not a finite number")
    return number


def compare(actual: Any, op: str, wanted: float | bool | str) -> bool:
    if isinstance(wanted, bool | str):
        return bool(actual == wanted) if op == "==" else bool(actual != wanted)
    a = float(actual)
    return {
        "==": a == wanted,
        "!=": a != wanted,
        "<": a < wanted,
        "<=": a <= wanted,
        ">": a > wanted,
        ">=": a >= wanted,
    }[op]


def fact(turn: Mapping[str, Any], name: str) -> Any:
    value = turn.get(name)
    return len(value) if isinstance(value, list) else value


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (the value of a turn that was measured, not an interpolation)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def aggregate(values: Sequence[float], how: str) -> float | None:
    if how == "count":
        return float(len(values))
    if not values:
        return None
    match how:
        case "p50":
            return percentile(values, 50)
        case "p95":
            return percentile(values, 95)
        case "max":
            return max(values)
        case "min":
            return min(values)
        case "mean":
            return sum(values) / len(values)
        case _:
            return float(sum(values))


def check_turn(expectation: Expectation, turn: Mapping[str, Any], where: str) -> Outcome:
    actual = fact(turn, expectation.name)
    if actual is None:
        return Outcome(expectation.text, where, False, None, "no value")
    return Outcome(expectation.text, where, compare(actual, expectation.op, expectation.value), actual)


def check_run(expectation: Expectation, turns: Sequence[Mapping[str, Any]], run: Mapping[str, Any]) -> Outcome:
    """A run-level expectation over the turns' facts (`run`: turns, run_errors)."""
    e = expectation
    if e.name in RUN_NUMBERS:
        return Outcome(e.text, "run", compare(run[e.name], e.op, e.value), run[e.name])
    values = [(t, fact(t, e.name)) for t in turns]
    present = [(t, v) for t, v in values if v is not None]
    if e.aggregate is not None:
        figure = aggregate([float(v) for _, v in present], e.aggregate)
        if figure is None:
            return Outcome(e.text, "run", False, None, "no turn has a value")
        return Outcome(e.text, "run", compare(figure, e.op, e.value), round(figure, 3))
    if not present:
        return Outcome(e.text, "run", False, None, "no turn has a value")
    failing = [(t, v) for t, v in present if not compare(v, e.op, e.value)]
    if failing:
        t, v = failing[0]
        more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
        return Outcome(e.text, "run", False, v, f"{t.get('context_id')}: {v!r}{more}")
    return Outcome(e.text, "run", True, len(present), f"all {len(present)} turns")
