"""Numbers as the panels show them: short, fixed width, no surprises at 80 columns."""

from __future__ import annotations


def human_bytes(n: int) -> str:
    """1023 → '1023B', 15360 → '15.0k', 3.5 MiB → '3.5M'."""
    if n < 1024:
        return f"{n}B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f}k"
    return f"{n / (1024 * 1024):.1f}M"


def millis(seconds: float | None) -> str:
    """A duration in milliseconds ('182ms', '0.4ms' below ten), '–' when not measured yet."""
    if seconds is None:
        return "–"
    ms = seconds * 1000
    return f"{ms:.1f}ms" if ms < 10 else f"{ms:.0f}ms"


def countdown(remaining: float | None) -> str:
    """Seconds left to a deadline with tenths ('12.3s'); '–' when there is no deadline."""
    if remaining is None:
        return "–"
    return f"{max(0.0, remaining):.1f}s"
