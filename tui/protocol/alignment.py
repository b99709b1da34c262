"""Alignment objects on the wire: tolerant decoding, canonical encoding."""
from __future__ import annotations

import math
from typing import Any

from .frames import Alignment, DecodeError, first_of


def decode_alignment(value: Any) -> Alignment | None | DecodeError:
    if value is None:
        return None
    if not isinstance(value, dict):
        return DecodeError("alignment must be an object or null")
    chars = value.get("chars")
    starts = first_of(value, "charStartTimesMs", "charsStartTimesMs", "char_start_times_ms")
    durations = first_of(value, "charDurationsMs", "charsDurationsMs", "char_durations_ms")
    if not isinstance(chars, list) or not all(isinstance(c, str) for c in chars):
        return DecodeError("alignment.chars must be a list of strings")
    for name, seq in (("charStartTimesMs", starts), ("charDurationsMs", durations)):
        if not isinstance(seq, list) or not all(
            isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t) for t in seq
        ):
            return DecodeError(f"alignment.{name} must be a list of finite numbers")
        if len(seq) != len(chars):
            return DecodeError(f"alignment.{name} has {len(seq)} entries for {len(chars)} chars")
    return Alignment(
        tuple(chars),
        tuple(int(round(t)) for t in starts),
        tuple(int(round(t)) for t in durations),
    )


def encode_alignment(alignment: Alignment | None) -> dict[str, Any] | None:
    return None if alignment is None else alignment.to_json()
