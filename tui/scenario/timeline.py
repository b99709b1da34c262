"""The timeline picture of one run: one lane per context on one time axis (SVG, matplotlib).

Drawn from a run of the report (report.py) alone. Per lane: the context's life (opened → final)
as a thin line, text frames sent as ticks above it, audio received as ticks at each chunk's
arrival (and the seconds received in all), audio heard as a thick bar, the close (x), the final (diamond),
errors (red X, with their words), and each barge-in as a red bar across its lane with the
scripted moment as a dashed grey one beside it.

The SVG carries what a test needs to read it back: each lane's artists have the ids
`lane-<n>-<k>`, each barge-in `barge-in-<n>`, the axes' background `timeline-axes`, and the
Description metadata holds `xlim=<left>,<right>` (seconds), so a pixel maps back to a time.

matplotlib is imported here only, when a picture is drawn (`switchboard --help` stays quick),
with the Agg backend: no display is needed or touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .facts import heard_spans

LANE_HEIGHT_IN = 0.55
COLOURS = {"text": "#4c78a8", "audio": "#f2a541", "heard": "#54a24b", "barge": "#d62728", "final": "#222222"}


def _extent(run: Mapping[str, Any]) -> tuple[float, float]:
    times = [0.0, float(run.get("duration_s") or 0.0)]
    for lane in run["lanes"]:
        times += [lane["opened_s"], *lane["text_s"], *(t + s for t, s in lane["audio"]), *(t for t, _ in lane["heard"])]
        times += [t for t in (lane["closed_s"], lane["final_s"]) if t is not None]
    times += [b["pressed_s"] for b in run["barge_ins"]] + [b["scripted_s"] for b in run["barge_ins"] if b["scripted_s"]]
    right = max(times)
    return -0.02 * right - 0.05, right * 1.03 + 0.05


def shared_extent(runs: list[Mapping[str, Any]]) -> tuple[float, float]:
    """One time axis for several runs (a comparison stacks their pictures on it)."""
    extents = [_extent(run) for run in runs]
    return min(left for left, _ in extents), max(right for _, right in extents)


def draw_timeline(run: Mapping[str, Any], path: Path, title: str = "", xlim: tuple[float, float] | None = None) -> Path:
    """Draw `run` (one entry of a report's "runs") as an SVG at `path`; returns `path`.
    `xlim`: the time axis (seconds) when pictures are stacked (shared_extent); the axes then sit
    at fixed margins, so one second is as wide in every picture drawn with the same `xlim`."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D

    lanes = run["lanes"]
    fig, ax = plt.subplots(figsize=(11, 1.4 + LANE_HEIGHT_IN * max(1, len(lanes))))
    ax.patch.set_gid("timeline-axes")
    left, right = xlim or _extent(run)
    ax.set_xlim(left, right)
    ax.set_ylim(len(lanes) - 0.4, -0.6)
    for y, lane in enumerate(lanes):
        group = f"lane-{y + 1}"
        end = max([lane["opened_s"], *lane["text_s"], *(t for t, _ in lane["audio"])] + [lane["final_s"] or 0])
        artists: list[Artist] = [*ax.plot([lane["opened_s"], end], [y, y], color="#999999", lw=1)]
        artists += ax.plot(lane["text_s"], [y - 0.28] * len(lane["text_s"]), "|", color=COLOURS["text"], ms=7)
        if lane["audio"]:
            arrived = [t for t, _ in lane["audio"]]
            artists += ax.plot([arrived[0], arrived[-1]], [y - 0.1] * 2, color=COLOURS["audio"], lw=3, alpha=0.5)
            artists += ax.plot(arrived, [y - 0.1] * len(arrived), "|", color=COLOURS["audio"], ms=9, mew=1.5)
            received = sum(s for _, s in lane["audio"])
            artists.append(
                ax.annotate(
                    f"{received:.2f} s", (arrived[-1], y - 0.1), (4, -2), textcoords="offset points", fontsize=7
                )
            )
        spans = heard_spans(lane["heard"])
        if spans:
            bars = [(start, end - start) for start, end in spans]
            artists.append(ax.broken_barh(bars, (y + 0.04, 0.2), color=COLOURS["heard"]))
        if lane["closed_s"] is not None:
            artists += ax.plot([lane["closed_s"]], [y], "x", color=COLOURS["final"], ms=6)
        if lane["final_s"] is not None:
            artists += ax.plot([lane["final_s"]], [y], "D", color=COLOURS["final"], ms=5)
        for at, text in lane["errors"]:
            artists += ax.plot([at], [y], "X", color=COLOURS["barge"], ms=9)
            artists.append(ax.annotate(text[:60], (at, y), (4, -10), textcoords="offset points", fontsize=7))
        for k, artist in enumerate(artists):
            artist.set_gid(f"{group}-{k}")
    rows = {lane["context_id"]: row for row, lane in enumerate(lanes)}
    for n, barge in enumerate(run["barge_ins"], 1):
        row = rows.get(barge["context_id"])
        low, high = (row - 0.42, row + 0.42) if row is not None else (-0.5, len(lanes) - 0.5)
        if barge["scripted_s"] is not None:
            (scripted,) = ax.plot([barge["scripted_s"]] * 2, [low, high], "--", color="#888888", lw=1)
            scripted.set_gid(f"scripted-{n}")
        (line,) = ax.plot([barge["pressed_s"]] * 2, [low, high], color=COLOURS["barge"], lw=2.5)
        line.set_gid(f"barge-in-{n}")
    for at, message in ((e["at_s"], e["message"]) for e in run["run_errors"]):
        ax.axvline(at, color=COLOURS["barge"], lw=0.8, ls=":")
        ax.annotate(message[:70], (at, -0.55), fontsize=7, color=COLOURS["barge"])
    ax.set_yticks(range(len(lanes)), [f"slot {lane['slot']} · {lane['context_id']}" for lane in lanes], fontsize=8)
    ax.set_xlabel("seconds from the scenario's start")
    ax.grid(axis="x", color="#eeeeee")
    fig.suptitle(title or "timeline", x=0.01, ha="left", fontsize=10)
    legend = [
        Line2D([], [], marker="|", ls="", color=COLOURS["text"], label="text sent"),
        Line2D([], [], lw=5, color=COLOURS["audio"], label="audio received"),
        Line2D([], [], lw=5, color=COLOURS["heard"], label="audio heard"),
        Line2D([], [], lw=2.5, color=COLOURS["barge"], label="barge-in"),
        Line2D([], [], ls="--", color="#888888", label="scripted"),
        Line2D([], [], marker="x", ls="", color=COLOURS["final"], label="close"),
        Line2D([], [], marker="D", ls="", color=COLOURS["final"], label="final"),
        Line2D([], [], marker="X", ls="", color=COLOURS["barge"], label="error"),
    ]
    ax.legend(handles=legend, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=8, fontsize=7, frameon=False)
    fig.tight_layout()
    if xlim is not None:  # tight_layout's margins follow each picture's labels: fixed instead
        fig.subplots_adjust(left=0.15, right=0.985)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Description": f"xlim={left!r},{right!r}", "Date": None})
    plt.close(fig)
    return path
