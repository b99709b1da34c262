"""Order statistics shared by the benchmarks."""

from __future__ import annotations


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) of `values` by the nearest rank, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]
