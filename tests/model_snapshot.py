"""What a session model ends as, for comparing a live session with its replays.

`snapshot(session)` keeps what the operator is shown as the outcome of the protocol:

- every slot: context id, state, whether it still counts (awaiting its final), phantom, close
  sent, its error text, and the counters (chars/frames/bytes sent and received, audio frames,
  bytes and seconds, late frames and bytes, audio riding in a final frame); which of its
  moments happened (opened, first trigger, first audio, closed, final) but not when;
- the transcript: each turn's text, its words and their alignment spans, interrupted or not,
  what had been heard when it was cut (`heard_at_interrupt`, rounded to the ms) and its summary
  ("interrupted · 3 of 9 words spoken");
- heard seconds (rounded to the ms) of every slot and every turn, cut or not: what the listener
  heard live is recorded (`heard` and `barge-in` actions) and a replay folds the recorded figure,
  never what its own speaker played (at 8x it has played an eighth);
- the status counters: close code and reason, stray frames, contexts sent past five;
- the banner's text and level, and every warning and error note of the frame log, in order.

Left out, each because it is measured on a wall clock that a replay cannot reproduce:

- the moments themselves (opened_at, first_audio_at, final_at, deadlines, TTFA, the status
  strip's barge-in timings, the log's `at`): live they are stamped when the model folds an
  event, the recording stamps the line when it is written (a sent frame after the writer task
  put it on the socket), and the replay runs on the recording's stamps, so they differ by the
  writer's latency;
- the guard: a client setting (it decides what the console sends, and a replay sends nothing),
  not recorded;
- info notes (connecting, "reconnecting in 0.4 s", connected): they carry URLs with ports and
  backoff delays drawn at random; the outcome of a connection is compared through the status
  and the error notes.
"""

from __future__ import annotations

from typing import Any

from tui.session import Session

COUNTERS = (
    "chars_sent",
    "frames_sent",
    "bytes_sent",
    "frames_received",
    "bytes_received",
    "audio_frames",
    "audio_bytes",
    "late_frames",
    "late_bytes",
    "final_frame_audio_bytes",
)
MOMENTS = ("opened_at", "first_trigger_at", "first_audio_at", "closed_at", "final_at")


def snapshot(session: Session) -> dict[str, Any]:
    return {
        "slots": [_slot(s) for s in session.slots],
        "transcript": [_turn(t) for t in session.transcript.turns],
        "status": {
            "close_code": session.status.close_code,
            "close_reason": session.status.close_reason,
            "stray_frames": session.status.stray_frames,
            "overflow_contexts": list(session.status.overflow_contexts),
        },
        "banner": None if session.banner is None else (session.banner.text, session.banner.level),
        "notes": [
            (e.level, e.context_id, e.summary)
            for e in session.log.entries()
            if e.direction == "note" and e.level in ("warning", "error")
        ],
    }


def _slot(slot) -> dict[str, Any]:
    m = slot.metrics
    return {
        "context_id": slot.context_id,
        "state": slot.state.value,
        "occupied": slot.occupied,
        "phantom": slot.phantom,
        "close_sent": slot.close_sent,
        "error": slot.error,
        **{name: getattr(m, name) for name in COUNTERS},
        "audio_seconds": round(m.audio_seconds, 6),
        "heard_seconds": _ms(m.heard_seconds),
        "moments": [name for name in MOMENTS if getattr(m, name) is not None],
    }


def _turn(turn) -> dict[str, Any]:
    heard = turn.heard_at_interrupt
    return {
        "context_id": turn.context_id,
        "text": turn.text,
        "words": [(w.text, _ms(w.start), _ms(w.end)) for w in turn.words],
        "interrupted": turn.interrupted,
        "heard_at_interrupt": _ms(heard),
        "heard_seconds": _ms(turn.heard_seconds),
        "summary": turn.summary if turn.interrupted else "",
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def differences(expected: dict[str, Any], actual: dict[str, Any], path: str = "") -> list[str]:
    """Where two snapshots differ, one line per difference (empty when equal)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out: list[str] = []
        for key in sorted(set(expected) | set(actual), key=str):
            out += differences(expected.get(key), actual.get(key), f"{path}.{key}")
        return out
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in differences(e, a, f"{path}[{i}]")]
    return [] if expected == actual else [f"{path or '.'}: {expected!r} != {actual!r}"]
