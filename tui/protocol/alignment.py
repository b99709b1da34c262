"""Alignment objects on the wire: tolerant decoding, canonical encoding."""

from __future__ import annotations

import math
from typing import Any

from .frames import Alignment, DecodeError, first_of

# A chunk's character times are milliseconds into that chunk: an hour is no chunk, and -1e18 or
# 1e30 would make every later figure (what was heard, the transcript's words) meaningless.
MAX_TIMING_MS = 3_600_000

# JSON gives exactly these types (never bool for a number: `type(True)` is bool, not int).
_STRINGS = frozenset({str})
_NUMBERS = frozenset({int, float})


def _millis(name: str, seq: Any, count: int) -> tuple[int, ...] | DecodeError:
    """Whole milliseconds of one timing list. Runs per audio frame: one C-level pass per check."""
    if not isinstance(seq, list):
        return DecodeError(f"alignment.{name} must be a list of finite numbers")
    kinds = set(map(type, seq))
    if not kinds <= _NUMBERS or (float in kinds and not all(map(math.isfinite, seq))):
        return DecodeError(f"alignment.{name} must be a list of finite numbers")
    if len(seq) != count:
        return DecodeError(f"alignment.{name} has {len(seq)} entries for {count} chars")
    if seq and not (min(seq) >= 0 and max(seq) <= MAX_TIMING_MS):
        return DecodeError(
            f"alignment.{name} must be from 0 to {MAX_TIMING_MS:,} ms "
            f"(got {str(min(seq) if min(seq) < 0 else max(seq))[:24]})"
        )
    return tuple(map(round, seq)) if float in kinds else tuple(seq)


def decode_alignment(value: Any) -> Alignment | None | DecodeError:
    if value is None:
        return None
    if not isinstance(value, dict):
        return DecodeError("alignment must be an object or null")
    chars = value.get("chars")
    if not isinstance(chars, list) or not set(map(type, chars)) <= _STRINGS:
        return DecodeError("alignment.chars must be a list of strings")
    starts = _millis(
        "charStartTimesMs", first_of(value, "charStartTimesMs", "charsStartTimesMs", "char_start_times_ms"), len(chars)
    )
    if isinstance(starts, DecodeError):
        return starts
    durations = _millis(
        "charDurationsMs", first_of(value, "charDurationsMs", "charsDurationsMs", "char_durations_ms"), len(chars)
    )
    if isinstance(durations, DecodeError):
        return durations
    return Alignment(tuple(chars), starts, durations)


def encode_alignment(alignment: Alignment | None) -> dict[str, Any] | None:
    return None if alignment is None else alignment.to_json()
