"""The headless console against a hostile server (issue 11, item 7): a small websockets server on
loopback sends crafted frames; the real console and line runner must report each and keep running."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
from collections.abc import Awaitable, Callable

from websockets.asyncio.server import ServerConnection, serve

from tui.core import resolve_config
from tui.core.headless import run_lines

PATH = "/v1/text-to-speech/v/multi-stream-input"
Script = Callable[[ServerConnection, dict], Awaitable[None]]


def audio_frame(cid: str, pcm: bytes = b"\0\0" * 160, **extra) -> str:
    return json.dumps({"audio": base64.b64encode(pcm).decode(), "contextId": cid, **extra})


async def opened(ws: ServerConnection) -> dict:
    """The first frame that opens a context (its context_id)."""
    async for raw in ws:
        obj = json.loads(raw)
        if obj.get("context_id"):
            return obj
    raise AssertionError("no context opened")


async def run_against(
    script: Script,
    stdin_bytes: bytes,
    *,
    record_dir=None,
    timeout: float = 20.0,
    out: io.TextIOBase | None = None,
    eof_after: float = 0.0,
    **options,
) -> tuple[str, dict]:
    """Run the line console on `stdin_bytes` against a server running `script(ws, seen)`;
    stdin ends `eof_after` seconds after it is written (a pipe still open, as a person typing)."""
    seen: dict = {"frames": []}

    async def handler(ws: ServerConnection) -> None:
        try:
            await script(ws, seen)
        except Exception as exc:  # a failed script shows in the test, not as a hang
            seen["error"] = repr(exc)

    async with serve(handler, "127.0.0.1", 0, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        config = resolve_config(
            provider="local",
            url=f"ws://127.0.0.1:{port}{PATH}",
            audio="none",
            record=record_dir is not None,
            rate=50,
            auto_reconnect=False,
            **({"record_dir": record_dir} if record_dir else {}),
            **options,
        )
        read_fd, write_fd = os.pipe()
        os.write(write_fd, stdin_bytes)
        asyncio.get_running_loop().call_later(eof_after, os.close, write_fd)
        # A strict UTF-8 stdout, as a terminal's: a lone surrogate cannot be written as is.
        out = out or io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
        with os.fdopen(read_fd, "r") as stdin:
            rc = await asyncio.wait_for(run_lines(config, stdin, out), timeout)
        out.flush()
        assert rc == 0
        text = out.buffer.getvalue().decode("utf-8") if hasattr(out, "buffer") else out.getvalue()
    return text, seen


async def test_a_lone_surrogate_context_id_does_not_stop_the_output():
    async def script(ws, seen):
        first = await opened(ws)
        await ws.send(audio_frame("\ud800"))  # valid JSON, unprintable id
        await ws.send(json.dumps({"isFinal": True, "contextId": first["context_id"]}))
        async for raw in ws:
            seen["frames"].append(raw)

    text, _ = await run_against(script, b"Hello there.\n/slots\n")
    assert "\\ud800" in text  # escaped at the output boundary
    assert "[5] free" in text  # later lines still printed (/slots)
    assert "connection closed 1000" in text


async def test_invalid_utf8_on_stdin_becomes_a_turn_and_is_recorded(tmp_path):
    async def script(ws, seen):
        async for raw in ws:
            obj = json.loads(raw)
            seen["frames"].append(obj)
            if obj.get("close_context"):
                await ws.send(json.dumps({"isFinal": True, "contextId": obj["context_id"]}))

    text, seen = await run_against(script, b"caf\xe9 au lait.\nSecond turn.\n", record_dir=tmp_path)
    turns: dict[str, str] = {}
    for f in seen["frames"]:
        turns[f["context_id"]] = turns.get(f["context_id"], "") + f.get("text", "")
    assert " ".join(turns["turn_1"].split()) == "caf\ufffd au lait."
    assert " ".join(turns["turn_2"].split()) == "Second turn."
    assert "not valid UTF-8" in text  # said so
    assert "Traceback" not in text
    assert len(list(tmp_path.glob("*.jsonl"))) == 1


async def test_three_lines_written_at_once_are_three_turns_started_together():
    async def script(ws, seen):
        loop = asyncio.get_running_loop()
        async for raw in ws:
            obj = json.loads(raw)
            if obj.get("context_id") and obj["context_id"] not in seen:
                seen[obj["context_id"]] = loop.time()
            if obj.get("close_context"):
                await ws.send(json.dumps({"isFinal": True, "contextId": obj["context_id"]}))

    _, seen = await run_against(script, b"One two.\nThree four.\nFive six.\n", eof_after=4.0)
    opened_at = sorted(v for k, v in seen.items() if k.startswith("turn_"))
    assert len(opened_at) == 3
    assert opened_at[-1] - opened_at[0] < 2.0, opened_at  # not one per stdin read, seconds apart


async def test_a_frame_over_16_mib_is_reported_as_message_too_big():
    async def script(ws, seen):
        first = await opened(ws)
        await ws.send(json.dumps({"contextId": first["context_id"], "pad": "x" * (17 << 20)}))
        async for raw in ws:
            seen["frames"].append(raw)

    text, _ = await run_against(script, b"Hello there.\n")
    assert "the server sent a frame over 16 MiB (message too big, 1009)" in text
    assert "1006" not in text


async def test_bad_frames_each_get_a_warning_and_the_console_keeps_running():
    async def script(ws, seen):
        first = await opened(ws)
        cid = first["context_id"]
        await ws.send(audio_frame(cid, b"\0\0\0"))  # odd-length PCM
        await ws.send(
            audio_frame(cid, alignment={"chars": ["a"], "charStartTimesMs": [-1e18], "charDurationsMs": [10]})
        )
        await ws.send(audio_frame(cid, alignment={"chars": ["a"], "charStartTimesMs": [0], "charDurationsMs": [1e30]}))
        await ws.send(audio_frame(cid).encode())  # JSON in a binary frame
        await ws.send(json.dumps({"contextId": cid, "blob": "y" * 10_000_000}))  # 10 MB unknown frame
        await ws.send(audio_frame(cid))
        await ws.send(json.dumps({"isFinal": True, "contextId": cid}))
        async for raw in ws:
            seen["frames"].append(raw)

    text, _ = await run_against(script, b"Hello there.\n/slots\n", eof_after=1.0)
    notes = [line for line in text.splitlines() if " · " in line]
    assert any("not a whole number" in n and "3 bytes" in n for n in notes), notes
    assert sum("alignment" in n for n in notes) >= 2, notes
    assert any("binary frame" in n and "JSON" in n for n in notes), notes
    assert any("10,0" in n and "unknown" in n for n in notes), notes
    assert max(map(len, text.splitlines())) < 2000  # summarized, never printed whole
    assert "[1] done" in text or "[1] free" in text or "final" in text
    assert "connection closed 1000" in text
