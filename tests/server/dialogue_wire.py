"""Frames and URLs for the Text-to-Dialogue route tests (tests/server/test_dialogue_*.py)."""

from __future__ import annotations

from typing import Any

from tui.protocol.urls import dialogue_url

from .wire import Frame

A, B = "JBFqnCBsd6RMkjVDRZzb", "21m00Tcm4TlvDq8ikWAM"  # two voice ids (George, Rachel on the service)


def ttd_url(base: str, **query: object) -> str:
    """PCM at 22050 with per-frame alignment unless a test says otherwise (the tests count bytes)."""
    return dialogue_url(
        base, **{"model_id": "eleven_v3", "output_format": "pcm_22050", "sync_alignment": True, **query}
    )


def voices(context_id: str, *ids: str, **extra: Any) -> Frame:
    return {"context_id": context_id, "voices": list(ids or (A,)), **extra}


def say(context_id: str, text: str, voice: str = A, *, new_turn: bool = False) -> Frame:
    return {"context_id": context_id, "inputs": [{"text": text, "voice_id": voice, "new_turn": new_turn}]}


def flush(context_id: str) -> Frame:
    return {"context_id": context_id, "flush": True}


def close(context_id: str) -> Frame:
    return {"context_id": context_id, "close_context": True}


def keep_alive(context_id: str) -> Frame:
    return {"context_id": context_id, "keep_alive": True}


def turn_done(frame: Frame, context_id: str | None = None) -> bool:
    return frame.get("is_final_audio_for_turn") is True and (context_id is None or frame["context_id"] == context_id)


def final(frame: Frame, context_id: str | None = None) -> bool:
    return frame.get("is_final") is True and (context_id is None or frame.get("context_id") == context_id)


def kinds(frames: list[Frame], context_id: str) -> list[str]:
    """Each frame of a context as 'audio', 'turn' or 'final', repeats of audio folded."""
    out: list[str] = []
    for f in frames:
        if f.get("context_id") != context_id:
            continue
        kind = "audio" if "audio" in f else "turn" if turn_done(f) else "final" if final(f) else "other"
        if not (kind == "audio" and out[-1:] == ["audio"]):
            out.append(kind)
    return out
