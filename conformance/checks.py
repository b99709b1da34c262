"""The verdict on one client run: what the client reported, and what the wire log shows.

Each check returns reasons for failure, each quoting the evidence (the frame, the close code, the
event), never a bare "failed". Turns are matched to the wire by order: the contexts a client opens
(in order of its first frame naming them) are turn1, interrupted, final; on stream-input, where a
socket is a context, the sockets are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

TURN_NAMES = ("turn1", "interrupted", "final")


@dataclass(frozen=True)
class Expectation:
    dialect: str  # "elevenlabs-multi", "elevenlabs-single", "murf", "inworld", "cartesia", "elevenlabs-dialogue"
    interrupt: str  # how the client's own interruption path shows on the wire:
    # "close_context", "clear" (a frame) or "socket_close" (the client closes)
    end: str | None = None  # Inworld: the op that ends a turn normally (flush_context or close_context)


def inworld_view(body: object) -> object:
    """An Inworld frame in the words the checks below read: the context as `context_id`, audio as
    {"bytes": N}, `contextClosed` as `isFinal`, a non-zero status or top-level error as `error`,
    and each client op as `<op>: true` (snake_case, whichever spelling came)."""
    if not isinstance(body, dict):
        return body
    if isinstance(body.get("error"), dict):
        return {"error": body["error"]}
    result = body.get("result")
    if isinstance(result, dict):  # server → client
        view: dict = {"context_id": result.get("contextId")}
        status = result.get("status") or {}
        if status.get("code", 0) != 0:
            view["error"] = status
        chunk = result.get("audioChunk")
        if isinstance(chunk, dict) and chunk.get("audioContent"):
            view["audio"] = {"bytes": len(chunk["audioContent"]) * 3 // 4}
        if "contextClosed" in result:
            view["isFinal"] = True
        return view
    view = {"context_id": body.get("contextId", body.get("context_id"))}
    for key in body:
        if key not in ("contextId", "context_id"):
            view["".join("_" + c.lower() if c.isupper() else c for c in key)] = True
    return view


def cartesia_view(record: dict) -> dict:
    """A Cartesia server frame in the words the checks below read: audio (`chunk`) as
    {"bytes": N}, `done` as `isFinal`, an error's text as `error`; client frames stay as sent
    (`context_id`, `continue`, `cancel` are already the words the checks read)."""
    body = record.get("json")
    if record["dir"] != "s2c" or not isinstance(body, dict):
        return record
    view: dict = {"context_id": body.get("context_id")}
    if body.get("type") == "chunk" and isinstance(body.get("data"), str) and body["data"]:
        view["audio"] = {"bytes": len(body["data"]) * 3 // 4}
    if body.get("type") == "done":
        view["isFinal"] = True
    if body.get("type") == "error":
        view["error"] = body.get("message") or body.get("error") or body
    return {**record, "json": view}


def cartesia_failures(records: list[dict]) -> list[str]:
    """Every server frame names its `type` and `context_id` (pipecat reads both by subscript), and
    none comes for a context after its `done` or error (LiveKit reuses a socket for its next stream)."""
    failures: list[str] = []
    ended: set = set()
    for record in records:
        body = record.get("json")
        if record["kind"] != "text" or not isinstance(body, dict):
            continue
        if record["dir"] == "c2s" and body.get("context_id") in ended and not body.get("cancel"):
            ended.discard(body.get("context_id"))  # a new context under a reused id (not expected)
        if record["dir"] != "s2c":
            continue
        if not isinstance(body.get("type"), str) or not isinstance(body.get("context_id"), str):
            failures.append(f"server frame without type or context_id: {_short(record)}")
        elif body["context_id"] in ended and body.get("type") != "error":  # an error answers an input
            failures.append(f"server frame for a context after its done: {_short(record)}")
        elif body.get("done") is True:
            ended.add(body["context_id"])
    return failures


def dialogue_failures(records: list[dict]) -> list[str]:
    """Text-to-Dialogue: no server frame carries audio with `is_final` or `is_final_audio_for_turn`
    (pipecat reads no audio from such a frame), and each flush gets an `is_final_audio_for_turn`
    (pipecat closes a context only once its flushes are answered)."""
    failures: list[str] = []
    flushes: dict = {}
    answered: dict = {}
    for record in records:
        body = record.get("json")
        if record["kind"] != "text" or not isinstance(body, dict):
            continue
        ctx = body.get("context_id")
        if record["dir"] == "c2s" and body.get("flush") is True:
            flushes[ctx] = flushes.get(ctx, 0) + 1
        elif record["dir"] == "s2c":
            if body.get("audio") and (body.get("is_final") or body.get("is_final_audio_for_turn")):
                failures.append(f"server frame with audio and a marker: {_short(record)}")
            if body.get("is_final_audio_for_turn") is True:
                answered[ctx] = answered.get(ctx, 0) + 1
    for ctx, count in flushes.items():
        if answered.get(ctx, 0) != count:
            failures.append(f"context {ctx!r}: {count} flush(es), {answered.get(ctx, 0)} is_final_audio_for_turn")
    return failures


def _short(record: dict) -> str:
    body = record.get("json", record.get("raw", ""))
    text = json.dumps(body) if not isinstance(body, str) else body
    return f"conn {record['conn']} {record['dir']} {text[:220]}"


def _context_of(record: dict, dialect: str):
    if dialect == "elevenlabs-single":
        return record["conn"]
    body = record.get("json")
    if not isinstance(body, dict):
        return None
    return body.get("context_id", body.get("contextId"))


# Contexts a client opens that carry no turn: pipecat's Text-to-Dialogue keep-alive context.
NOT_TURNS = {"elevenlabs-dialogue": ("pipecat-keepalive",)}


def _is_final(body: dict, dialect: str) -> bool:
    if dialect == "elevenlabs-dialogue":  # is_final; is_final_audio_for_turn is not the context's end
        return body.get("is_final") is True
    return body.get("final") is True if dialect == "murf" else body.get("isFinal") is True


def _ends_turn(body: dict, dialect: str, end: str | None = None) -> bool:
    """A client frame that ends a turn normally (not an interruption)."""
    if dialect == "murf":
        return body.get("end") is True
    if dialect == "elevenlabs-single":
        return body.get("text") == ""
    if dialect == "inworld":
        return body.get(end or "flush_context") is True
    if dialect == "elevenlabs-dialogue":  # pipecat: flush, then close_context
        return body.get("flush") is True
    if dialect == "cartesia":  # no more inputs: an empty (pipecat) or blank (LiveKit) last transcript
        return body.get("continue") is False
    # pipecat: {"flush": true}; LiveKit: {"text": "", "flush": true}. LiveKit's auto_mode also flushes
    # each sentence ({"text": "A sentence. ", "flush": true}): that does not end the turn.
    text = body.get("text")
    return body.get("flush") is True and (not isinstance(text, str) or not text.strip())


def _is_interruption(record: dict, expect: Expectation, ctx, conn_of_ctx) -> bool:
    if expect.interrupt == "socket_close":
        return record["kind"] == "close" and record["dir"] == "c2s" and record["conn"] == conn_of_ctx
    body = record.get("json")
    if record["kind"] != "text" or record["dir"] != "c2s" or not isinstance(body, dict):
        return False
    return body.get(expect.interrupt) is True and body.get("context_id") == ctx


def wire_failures(records: list[dict], expect: Expectation) -> tuple[list[str], dict]:
    failures: list[str] = []
    facts: dict = {}
    dialect = expect.dialect
    if dialect == "inworld":
        records = [{**r, "json": inworld_view(r["json"])} if "json" in r else r for r in records]
    if dialect == "elevenlabs-dialogue":
        failures += dialogue_failures(records)
    if dialect == "cartesia":
        failures += cartesia_failures(records)
        records = [cartesia_view(r) for r in records]
    for record in records:
        if record["kind"] == "refused":
            failures.append(f"server refused the handshake: HTTP {record['status']} {record['body']!r}")
        elif record["kind"] == "close" and record["dir"] == "s2c" and record["code"] != 1000:
            failures.append(f"server closed conn {record['conn']} with {record['code']} {record['reason']!r}")
        elif record["kind"] == "text" and record["dir"] == "s2c":
            body = record.get("json")
            if not isinstance(body, dict):
                failures.append(f"server sent a frame that is not a JSON object: {_short(record)}")
            elif "error" in body or ("message" in body and not body.get("audio")):
                failures.append(f"server error frame: {_short(record)}")
        elif record["kind"] == "close" and record["dir"] == "c2s":
            # How a client closes is its own business (the SDK's helper closes with 1011 when the
            # application stops iterating); it is kept as a fact, not judged.
            facts.setdefault("client_close_codes", []).append(record["code"])

    # Contexts in the order the client opened them.
    order: list = []
    conn_of: dict = {}
    for record in records:
        if record["dir"] == "c2s" and record["kind"] in ("text", "open"):
            ctx = (
                _context_of(record, dialect)
                if record["kind"] == "text"
                else (record["conn"] if dialect == "elevenlabs-single" else None)
            )
            if ctx is not None and ctx not in order and ctx not in NOT_TURNS.get(dialect, ()):
                order.append(ctx)
                conn_of[ctx] = record["conn"]
    facts["contexts"] = len(order)
    if len(order) < 3:
        failures.append(f"the client opened {len(order)} context(s) on the wire, expected 3 (one per turn)")
        return failures, facts

    for name, ctx in zip(TURN_NAMES, order[:3]):
        audio_bytes, final_at, end_at, cut_at, audio_after_cut, last_audio_t = 0, None, None, None, 0, None
        for index, record in enumerate(records):
            body = record.get("json") if isinstance(record.get("json"), dict) else {}
            if name == "interrupted" and cut_at is None and _is_interruption(record, expect, ctx, conn_of[ctx]):
                cut_at = index
            if record["kind"] != "text" or _context_of(record, dialect) != ctx:
                continue
            if record["dir"] == "s2c":
                if isinstance(body.get("audio"), dict):
                    audio_bytes += body["audio"]["bytes"]
                    if cut_at is not None:
                        audio_after_cut += 1
                        last_audio_t = record["t"]
                if _is_final(body, dialect) and final_at is None:
                    final_at = index
            elif end_at is None and _ends_turn(body, dialect, expect.end):
                end_at = index
        if audio_bytes == 0:
            failures.append(f"{name}: no audio from the server on the wire")
        if name == "interrupted":
            if cut_at is None:
                failures.append(
                    f"interrupted: the client's interruption path sent no {expect.interrupt} for its context {ctx!r}"
                )
            elif end_at is not None and end_at < cut_at:
                failures.append(
                    "interrupted: the client ended the turn normally before its interruption "
                    f"(frame {end_at} before {expect.interrupt} at {cut_at})"
                )
            # Frames the server had in flight when the interruption reached it; informative only.
            facts["audio_frames_after_interruption"] = audio_after_cut
            if last_audio_t is not None:
                facts["last_audio_ms_after_interruption"] = round((last_audio_t - records[cut_at]["t"]) * 1000, 1)
            facts["final_after_interruption"] = final_at is not None
        else:
            if end_at is None:
                failures.append(f"{name}: the client sent no end of turn for its context {ctx!r}")
            if final_at is None:
                failures.append(
                    f"{name}: the server sent no {'final' if dialect == 'murf' else 'isFinal'} for context {ctx!r}"
                )
    return failures, facts


def client_failures(events: list[dict], exit_code: int | None) -> list[str]:
    failures: list[str] = []
    for event in events:
        if event["event"] == "error":
            failures.append(f"client error ({event.get('where')}): {event.get('message')}")
        elif event["event"] == "late_audio":
            failures.append(
                f"interrupted: {event['bytes']} bytes of the interrupted turn reached the "
                f"application {event['after']} s after the interruption"
            )
    ends = {event["turn"]: event for event in events if event["event"] == "turn_end"}
    for name in ("turn1", "final"):
        end = ends.get(name)
        if end is None:
            continue
        if not end.get("ended"):
            failures.append(f"{name}: the client did not end the turn")
        if not end.get("bytes"):
            failures.append(f"{name}: no audio reached the application")
        if end.get("decoded_seconds") == 0:
            failures.append(f"{name}: the {end.get('bytes')} bytes of audio do not decode ({end.get('decode_error')})")
    if not any(e["event"] == "audio" and e.get("turn") == "interrupted" for e in events) and "interrupted" in ends:
        failures.append("interrupted: no audio reached the application before the interruption")
    if not any(event["event"] == "done" for event in events):
        last = events[-1] if events else {"event": "nothing"}
        failures.append(f"the client did not finish (exit {exit_code}); last event: {json.dumps(last)[:200]}")
    elif exit_code not in (0, None):
        failures.append(f"the client exited with {exit_code}")
    return failures
