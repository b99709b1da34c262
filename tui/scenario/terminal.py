"""What `switchboard run` prints: a progress bar over the steps while a run plays (stderr, and
only on a terminal), and a summary table at the end (stdout), with rich."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

from rich import box
from rich.console import Console as RichConsole
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .report import failures
from .runner import StepCallback


@contextmanager
def progress_bar(run: int, runs: int, name: str, stream: TextIO | None = None) -> Iterator[StepCallback]:
    """A bar that the runner's `on_step` moves; nothing is drawn when stderr is not a terminal."""
    console = RichConsole(file=stream, stderr=stream is None)
    prefix = f"run {run}/{runs} · " if runs > 1 else ""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(f"{prefix}{name}", total=None)

        def on_step(i: int, n: int, label: str) -> None:
            bar.update(task, total=n, completed=i - 1, description=f"{prefix}{name}: {label}")

        yield on_step
        bar.update(task, completed=bar.tasks[0].total or 0)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


def print_summary(report: Mapping[str, Any], stream: TextIO | None = None) -> None:
    console = RichConsole(file=stream, highlight=False)
    for run in report["runs"]:
        table = Table(title=f"{report['scenario']['name']} · run {run['run']} · {run['provider']} ({run['dialect']})")
        for head in (
            "turn",
            "context",
            "TTFA ms",
            "close→final ms",
            "audio s",
            "heard s",
            "words",
            "late",
            "cut",
            "error",
        ):
            table.add_column(head, overflow="fold")
        for t in run["turns"]:
            words = f"{_fmt(t['words_spoken'])}/{t['words_total']}"
            table.add_row(
                str(t["turn"]),
                _fmt(t["context_id"]),
                _fmt(t["ttfa_ms"]),
                _fmt(t["close_to_final_ms"]),
                _fmt(t["audio_s_received"]),
                _fmt(t["audio_s_heard"]),
                words,
                _fmt(t["late_frames"]),
                _fmt(t["interrupted"]),
                t["error"][:40],
            )
        console.print(table)
        for o in run["expectations"]:
            mark = "[green]✓[/]" if o["ok"] else "[red]✗[/]"
            console.print(f" {mark} {o['expectation']}  [dim]{o['where']}: {_fmt(o['actual'])} {o['detail']}[/]")
        for e in run["run_errors"]:
            console.print(f" [yellow]![/] {e['at_s']:.3f} s: {e['message']}", markup=True)
    f = report["figures"]
    ttfa = f["ttfa_ms"]
    if ttfa["n"]:
        console.print(f"TTFA p50 {ttfa['p50']:g} ms, p95 {ttfa['p95']:g} ms over {ttfa['n']} turns")
    failed = failures(report)
    if failed:
        console.print(f"[red]FAILED[/]: {len(failed)} expectation(s)")
        for line in failed:
            console.print(f"  {line}", markup=False)
    else:
        console.print("[green]PASSED[/]: every expectation held")


def print_comparison(report: Mapping[str, Any], stream: TextIO | None = None) -> None:
    """The comparison (compare.py) as one table, a row per target, and its verdict."""
    console = RichConsole(file=stream, highlight=False)
    if not console.is_terminal:  # a log or a pipe: room for every column rather than rich's 80
        console.width = 120
    rows = {key: {r["target"]: r for r in report["side_by_side"][key]} for key in report["side_by_side"]}
    table = Table(title=f"{report['scenario']['name']} · compared", box=box.SIMPLE_HEAD, pad_edge=False)
    heads = ("target", "status", "TTFA ms\np50/p95", "close→final\nms p50/p95", "late", "words", "checks")
    for head in heads:
        table.add_column(head, no_wrap=True)
    for t in report["targets"]:
        name = t["target"]
        if t["report"] is None:
            table.add_row(name, t["status"], "", "", "", "", "")  # why: the line printed before it
            continue
        ttfa, close = rows["ttfa_ms"][name], rows["close_to_final_ms"][name]
        words, checked = rows["words_spoken"][name], rows["expectations"][name]
        table.add_row(
            name,
            t["status"],
            f"{_fmt(ttfa['p50'])}/{_fmt(ttfa['p95'])}",
            f"{_fmt(close['p50'])}/{_fmt(close['p95'])}",
            _fmt(rows["late_frames"][name]["total"]),
            f"{_fmt(words['spoken'])}/{words['total']}",
            f"{checked['passed']}/{checked['of']}",
        )
    console.print(table)
    if report["passed"]:
        console.print("[green]PASSED[/]: every target that ran held every expectation")
    elif report["failures"]:
        console.print(f"[red]FAILED[/]: {len(report['failures'])} problem(s)")
        for line in report["failures"]:
            console.print(f"  {line}", markup=False)
