"""The report as a page: `report.md` (with the timeline SVGs beside it) and `report.html` (one
file: the SVGs inline), both from the report dict alone (report.py).

    paths = write_report(report, Path("out/"))   # report.json, report.md, report.html, timeline-N.svg
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .report import failures, write_json
from .timeline import draw_timeline

TURN_COLUMNS = (
    ("turn", "turn"),
    ("context_id", "context"),
    ("ttfa_ms", "TTFA ms (flush)"),
    ("ttfa_text_ms", "TTFA ms (text)"),
    ("close_to_final_ms", "close→final ms"),
    ("audio_s_received", "audio s"),
    ("audio_s_heard", "heard s"),
    ("words", "words spoken"),
    ("late_frames", "late"),
    ("interrupted", "interrupted"),
    ("error", "error"),
)


def _cell(turn: Mapping[str, Any], key: str) -> str:
    if key == "words":
        spoken = turn["words_spoken"]
        return f"{'?' if spoken is None else spoken} of {turn['words_total']}"
    value = turn.get(key)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _figure_rows(figures: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
    rows = []
    for name, f in figures.items():
        if f["n"]:
            rows.append([name, f"{f['p50']:g}", f"{f['p95']:g}", str(f["n"])])
    return rows


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return lines + ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]


def _sections(report: Mapping[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """Per run: (title, table head, rows) for turns, expectations, barge-ins; figures overall."""
    out = []
    for run in report["runs"]:
        n = run["run"]
        out.append(
            (
                f"Run {n}: turns",
                [h for _, h in TURN_COLUMNS],
                [[_cell(t, k) for k, _ in TURN_COLUMNS] for t in run["turns"]],
            )
        )
        out.append(
            (
                f"Run {n}: expectations",
                ["", "expectation", "where", "measured"],
                [
                    ["✓" if o["ok"] else "✗", o["expectation"], o["where"], f"{o['actual']!r} {o['detail']}".strip()]
                    for o in run["expectations"]
                ],
            )
        )
        if run["barge_ins"]:
            out.append(
                (
                    f"Run {n}: barge-ins",
                    ["step", "context", "pressed s", "scripted s", "late ms", "words heard"],
                    [
                        [
                            str(b["step"]),
                            str(b["context_id"]),
                            f"{b['pressed_s']:.3f}",
                            "–" if b["scripted_s"] is None else f"{b['scripted_s']:.3f}",
                            "–" if b["error_ms"] is None else f"{b['error_ms']:.1f}",
                            "–" if b["heard_words"] is None else str(b["heard_words"]),
                        ]
                        for b in run["barge_ins"]
                    ],
                )
            )
        problems = [[f"{e['at_s']:.3f}", e["message"]] for e in run["run_errors"]]
        problems += [
            [f"{e['at']:.3f}", f"server error {e['code'] or ''}: {e['message']}"] for e in run["server_errors"]
        ]
        if problems:
            out.append((f"Run {n}: errors", ["at s", "what"], problems))
    if len(report["runs"]) > 1:
        out.append(("All runs: figures", ["figure", "p50", "p95", "turns"], _figure_rows(report["figures"])))
    return out


def _verdict(report: Mapping[str, Any]) -> str:
    failed = failures(report)
    if not failed:
        return "**Passed**: every expectation held."
    return f"**Failed**: {len(failed)} expectation(s) did not hold."


def markdown(report: Mapping[str, Any], pictures: Sequence[str]) -> str:
    sc = report["scenario"]
    run0 = report["runs"][0]
    lines = [f"# Scenario report: {sc['name']}", ""]
    if sc["description"]:
        lines += [sc["description"], ""]
    lines += [
        f"`{sc['path']}` · {run0['provider']} · dialect {run0['dialect']} · {len(report['runs'])} run(s)",
        "",
        _verdict(report),
        "",
    ]
    lines += [f"- {line}" for line in failures(report)]
    lines += ["", *(f"![timeline of run {i}]({name})" for i, name in enumerate(pictures, 1)), ""]
    for title, head, rows in _sections(report):
        lines += [f"## {title}", "", *_md_table(head, rows), ""]
    lines += ["Times are seconds from the scenario's first step; the JSON report has every figure.", ""]
    return "\n".join(lines)


def html_page(report: Mapping[str, Any], svgs: Sequence[str]) -> str:
    e = html.escape
    sc = report["scenario"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(sc['name'])}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;"
        "margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:2px 8px;font-size:13px}"
        ".bad{color:#c00}.good{color:#080}svg{max-width:100%;height:auto}</style></head><body>",
        f"<h1>Scenario report: {e(sc['name'])}</h1>",
        f"<p>{e(sc['description'])}</p>" if sc["description"] else "",
        f"<p><code>{e(sc['path'])}</code></p>",
        f"<p class='{'good' if report['passed'] else 'bad'}'>{e(_verdict(report).replace('**', ''))}</p>",
        "<ul>" + "".join(f"<li class='bad'>{e(line)}</li>" for line in failures(report)) + "</ul>",
    ]
    parts += [svg[svg.find("<svg") :] for svg in svgs]  # inline, without the XML prolog
    for title, head, rows in _sections(report):
        parts.append(f"<h2>{e(title)}</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(report: Mapping[str, Any], folder: Path) -> list[Path]:
    """report.json, one timeline-N.svg per run, report.md and report.html in `folder` (made if
    missing); returns the paths written. OSError if the folder cannot be written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "report.json"]
    write_json(report, written[0])
    pictures = []
    for run in report["runs"]:
        title = f"{report['scenario']['name']} · run {run['run']} · {run['provider']} ({run['dialect']})"
        pictures.append(draw_timeline(run, folder / f"timeline-{run['run']}.svg", title))
    (folder / "report.md").write_text(markdown(report, [p.name for p in pictures]), encoding="utf-8")
    svgs = [p.read_text(encoding="utf-8") for p in pictures]
    (folder / "report.html").write_text(html_page(report, svgs), encoding="utf-8")
    return [*written, *pictures, folder / "report.md", folder / "report.html"]


# ---- a comparison (compare.py): the figures side by side, the timelines stacked -------------

SIDE_BY_SIDE = (
    ("ttfa_ms", "TTFA ms (from the flush)", ("p50", "p95", "n"), ("p50", "p95", "turns")),
    ("ttfa_text_ms", "TTFA ms (from the first text)", ("p50", "p95", "n"), ("p50", "p95", "turns")),
    ("close_to_final_ms", "close→final ms", ("p50", "p95", "n"), ("p50", "p95", "turns")),
    ("late_frames", "late frames", ("total", "max", "turns_with_late"), ("total", "most in a turn", "turns with any")),
    (
        "words_spoken",
        "words spoken",
        ("spoken", "total", "interrupted", "turns"),
        ("spoken", "of", "interrupted", "turns"),
    ),
    ("expectations", "expectations", ("passed", "of", "failed"), ("passed", "of", "failed")),
)


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "–"
    return _cell({"v": value}, "v")


Section = tuple[str, list[str], list[list[str]]]


def _compare_sections(report: Mapping[str, Any]) -> tuple[list[Section], list[Section]]:
    """(the targets and the figures side by side, then each target's own tables)."""
    out: list[Section] = [
        (
            "Targets",
            ["target", "status", "dialect", "connection"],
            [
                [t["target"], t["status"] + (f": {t['reason']}" if t["reason"] else ""), t["dialect"] or "–"]
                + [t["connection"] or "–"]
                for t in report["targets"]
            ],
        )
    ]
    for key, title, fields, heads in SIDE_BY_SIDE:
        rows = [[row["target"], *(_value(row[f]) for f in fields)] for row in report["side_by_side"][key]]
        if rows:
            out.append((title, ["target", *heads], rows))
    details: list[Section] = []
    for t in report["targets"]:
        if t["report"] is not None:
            details += [(f"{t['target']} · {title}", head, rows) for title, head, rows in _sections(t["report"])]
    return out, details


def _compare_verdict(report: Mapping[str, Any]) -> str:
    ran = [t for t in report["targets"] if t["report"] is not None]
    if not ran:
        return "**No target ran**."
    if report["passed"]:
        return f"**Passed**: every target that ran ({len(ran)} of {len(report['targets'])}) held every expectation."
    failed = sorted({line.split(": ", 1)[0] for line in report["failures"]}, key=report["compare"].index)
    return f"**Failed**: {', '.join(failed)}."


def compare_markdown(report: Mapping[str, Any], pictures: Sequence[tuple[str, str]]) -> str:
    """The page; `pictures`: (caption, file name) per timeline, stacked in this order."""
    sc = report["scenario"]
    lines = [f"# Comparison: {sc['name']}", ""]
    if sc["description"]:
        lines += [sc["description"], ""]
    lines += [f"`{sc['path']}` against {', '.join(report['compare'])}", "", _compare_verdict(report), ""]
    lines += [f"- {line}" for line in report["failures"]]
    overview, details = _compare_sections(report)
    for title, head, rows in overview:
        lines += ["", f"## {title}", "", *_md_table(head, rows)]
    lines += ["", "## Timelines (one time axis)", ""]
    lines += [f"![timeline of {caption}]({name})" for caption, name in pictures]  # titled inside: stacked tight
    for title, head, rows in details:
        lines += ["", f"## {title}", "", *_md_table(head, rows)]
    lines += ["", "Times are seconds from the scenario's first step; report.json has every figure.", ""]
    return "\n".join(lines)


def compare_html(report: Mapping[str, Any], pictures: Sequence[tuple[str, str]]) -> str:
    """One file: `pictures` are (caption, SVG text), inlined and stacked."""
    e = html.escape
    sc = report["scenario"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Comparison: {e(sc['name'])}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;"
        "margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:2px 8px;font-size:13px}"
        ".bad{color:#c00}.good{color:#080}svg{width:100%;height:auto;display:block}</style></head><body>",
        f"<h1>Comparison: {e(sc['name'])}</h1>",
        f"<p>{e(sc['description'])}</p>" if sc["description"] else "",
        f"<p><code>{e(sc['path'])}</code> against {e(', '.join(report['compare']))}</p>",
        f"<p class='{'good' if report['passed'] else 'bad'}'>{e(_compare_verdict(report).replace('**', ''))}</p>",
        "<ul>" + "".join(f"<li class='bad'>{e(line)}</li>" for line in report["failures"]) + "</ul>",
    ]
    overview, details = _compare_sections(report)

    def tables(chosen: Sequence[Section]) -> None:
        for title, head, rows in chosen:
            parts.append(f"<h2>{e(title)}</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
            parts.extend("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
            parts.append("</table>")

    tables(overview)
    parts.append("<h2>Timelines (one time axis)</h2>")
    parts += [svg[svg.find("<svg") :] for _, svg in pictures]  # each titled inside: stacked tight
    tables(details)
    parts.append("</body></html>")
    return "\n".join(parts)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c == "-" else "-" for c in name)


def write_compare_report(report: Mapping[str, Any], folder: Path) -> list[Path]:
    """report.json, timeline-<target>-<run>.svg (every run of every target that ran, all on one
    time axis), report.md and report.html in `folder`; returns the paths written. OSError if
    the folder cannot be written."""
    from .timeline import shared_extent

    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "report.json"]
    write_json(report, written[0])
    drawn = [(t, run) for t in report["targets"] if t["report"] is not None for run in t["report"]["runs"]]
    xlim = shared_extent([run for _, run in drawn]) if drawn else None
    pictures: list[tuple[str, Path]] = []
    for t, run in drawn:
        runs = len(t["report"]["runs"])
        caption = f"{t['target']}" + (f" · run {run['run']}" if runs > 1 else "") + f" ({run['dialect']})"
        path = folder / f"timeline-{_slug(t['target'])}-{run['run']}.svg"
        pictures.append((caption, draw_timeline(run, path, caption, xlim)))
    (folder / "report.md").write_text(compare_markdown(report, [(c, p.name) for c, p in pictures]), "utf-8")
    svgs = [(c, p.read_text(encoding="utf-8")) for c, p in pictures]
    (folder / "report.html").write_text(compare_html(report, svgs), encoding="utf-8")
    return [*written, *(p for _, p in pictures), folder / "report.md", folder / "report.html"]
