"""The report of one or more runs of a scenario: per-turn facts, per-run figures, expectations.

`build_report(results)` gives a plain dict (what `--report x.json` writes; the page and the
timeline are drawn from it alone, so a report read back later draws the same). Shape:

    {"scenario": {...}, "passed": bool, "runs": [{
        "run": 1, "provider", "dialect", "url", "duration_s", "cpu_s",
        "turns": [{"turn", "step", "text", "context_id", "slot", "started_s", "pace", "turn_end",
                   "ttfa_ms", "ttfa_text_ms", "close_to_final_ms", "late_frames",
                   "audio_s_received", "audio_s_heard", "words_spoken", "words_total",
                   "interrupted", "final", "error", "errors"}],
        "figures": {"ttfa_ms": {"p50", "p95", "n"}, ...},
        "barge_ins": [{"step", "context_id", "pressed_s", "scripted_s", "error_ms", ...}],
        "run_errors": [{"at_s", "message"}],
        "expectations": [{"expectation", "where", "ok", "actual", "detail"}],
        "lanes": [{"context_id", "slot", "opened_s", "text_s", "audio", "heard", ...}]}],
     "figures": {...over every run...}}

Times are seconds from the run's first step; `*_ms` are milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tui.session import SlotState

from .expect import check_run, check_turn, percentile
from .facts import Lane
from .runner import RunResult
from .spec import Say

FIGURES = ("ttfa_ms", "ttfa_text_ms", "close_to_final_ms", "audio_s_received", "audio_s_heard")


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def turn_facts(result: RunResult) -> list[dict[str, Any]]:
    """One dict per turn the scenario handed over, in order, from the session model's figures."""
    assert result.collector is not None and result.tap is not None
    collector, tap = result.collector, result.tap
    out = []
    for n, sub in enumerate(result.submitted, 1):
        started = tap.turns[n - 1] if len(tap.turns) >= n else None
        cid = started[1] if started else None
        lane = collector.lane(cid) if cid else None
        transcript = collector.transcripts.get(cid) if cid else None
        m = lane.metrics if lane else None
        errors = [text for _, text in lane.errors] if lane else []
        codes = [e for e in tap.errors if e.context_id == cid and cid is not None]
        if transcript is not None and transcript.error:
            errors.append(transcript.error)
            codes += [e for e in tap.errors if e.context_id is None and e.message == transcript.error]
        if started is None:
            errors.append("never started: still queued at the end")
        interrupted = bool(
            (lane and lane.state == SlotState.INTERRUPTED.value) or (transcript and transcript.interrupted)
        )
        heard = None
        if transcript is not None:
            heard = transcript.heard_at_interrupt if transcript.heard_at_interrupt is not None else None
        heard = heard if heard is not None else (m.heard_seconds if m else 0.0)
        out.append(
            {
                "turn": n,
                "step": sub.step,
                "text": sub.text,
                "context_id": cid,
                "slot": lane.slot if lane else None,
                "started_s": round(started[0], 4) if started else None,
                "pace": sub.pace,
                "turn_end": sub.turn_end,
                "ttfa_ms": _ms(m.flush_to_audio) if m else None,
                "ttfa_text_ms": _ms(m.text_to_audio) if m else None,
                "close_to_final_ms": _ms(m.close_to_final) if m else None,
                "late_frames": m.late_frames if m else 0,
                "audio_s_received": round(m.audio_seconds, 4) if m else 0.0,
                "audio_s_heard": round(heard, 4),
                "words_spoken": transcript.words_spoken(heard) if transcript else None,
                "words_total": transcript.total_words if transcript else len(sub.text.split()),
                "interrupted": interrupted,
                "final": bool(m and m.final_at is not None),
                "error": (codes[0].code or codes[0].message) if codes else (errors[0] if errors else ""),
                "errors": errors,
            }
        )
    return out


def figures(turns: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float | int | None]]:
    out: dict[str, dict[str, float | int | None]] = {}
    for name in FIGURES:
        values = [float(t[name]) for t in turns if t.get(name) is not None]
        out[name] = {"p50": percentile(values, 50), "p95": percentile(values, 95), "n": len(values)}
    return out


def lane_dict(lane: Lane) -> dict[str, Any]:
    r = 4
    return {
        "context_id": lane.context_id,
        "slot": lane.slot,
        "opened_s": round(lane.opened, r),
        "text_s": [round(t, r) for t in lane.text],
        "audio": [[round(t, r), round(s, r)] for t, s in lane.audio],
        "heard": [[round(t, r), round(s, r)] for t, s in lane.heard],
        "closed_s": None if lane.closed is None else round(lane.closed, r),
        "final_s": None if lane.final is None else round(lane.final, r),
        "barge_in_s": None if lane.barge_in is None else round(lane.barge_in, r),
        "errors": [[round(t, r), text] for t, text in lane.errors],
        "state": lane.state,
    }


def run_report(result: RunResult, number: int = 1) -> dict[str, Any]:
    turns = turn_facts(result)
    outcomes = []
    for t, say in zip(turns, [s for s in result.scenario.steps if isinstance(s, Say)]):
        where = f"turn {t['turn']} ({t['context_id'] or 'not started'})"
        outcomes += [check_turn(e, t, where) for e in say.expect]
    run_numbers = {"turns": len(turns), "run_errors": len(result.run_errors)}
    outcomes += [check_run(e, turns, run_numbers) for e in result.scenario.expect]
    tap_errors = result.tap.errors if result.tap else []
    return {
        "run": number,
        "provider": result.provider,
        "dialect": result.dialect,
        "url": result.url,
        "duration_s": round(result.duration_s, 3),
        "cpu_s": round(result.cpu_s, 3),
        "turns": turns,
        "figures": figures(turns),
        "barge_ins": [
            {**asdict(p), "error_ms": None if p.error_ms is None else round(p.error_ms, 2)} for p in result.barge_ins
        ],
        "server_errors": [asdict(e) for e in tap_errors],
        "run_errors": [{"at_s": round(at, 3), "message": text} for at, text in result.run_errors],
        "expectations": [asdict(o) for o in outcomes],
        "passed": all(o.ok for o in outcomes),
        "lanes": [lane_dict(lane) for lane in result.lanes],
    }


def build_report(results: Sequence[RunResult]) -> dict[str, Any]:
    runs = [run_report(r, i) for i, r in enumerate(results, 1)]
    sc = results[0].scenario
    return {
        "scenario": {"name": sc.name, "path": sc.path, "description": sc.description},
        "passed": all(r["passed"] for r in runs),
        "runs": runs,
        "figures": figures([t for r in runs for t in r["turns"]]),
    }


def failures(report: Mapping[str, Any]) -> list[str]:
    """One line per failed expectation, naming the run, where and what was measured."""
    lines = []
    for run in report["runs"]:
        for o in run["expectations"]:
            if not o["ok"]:
                detail = f" ({o['detail']})" if o["detail"] else ""
                lines.append(f"run {run['run']}, {o['where']}: {o['expectation']} failed: got {o['actual']!r}{detail}")
    return lines


def write_json(report: Mapping[str, Any], path: Path) -> None:
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
