"""The local server's Inworld route, one rule per test, on loopback with the tone voice
(PROTOCOL-DIALECTS.md §1.4; the choices are in tui/server/inworld_contexts.py's docstring)."""

from __future__ import annotations

import asyncio

import pytest

from tui.protocol import inworld as iw
from tui.server.inworld_contexts import IDLE_CLOSE_REASON

from .inworld_client import audio, connect, create, event, is_event, op, result, status, tone_bytes, until


async def test_a_turn_runs_create_then_audio_then_flush_completed_then_context_closed(local_server):
    async with connect(local_server) as ws:
        await ws.send(create("c1"))
        created = await ws.recv()
        assert event(created) == "contextCreated" and result(created)["contextId"] == "c1"
        assert status(created) == {"code": 0, "message": "", "details": []}
        assert result(created)["contextCreated"]["audioConfig"]["audioEncoding"] == "PCM"
        await ws.send(op("send_text", "c1", text="Hello there"))
        await ws.send(op("flush_context", "c1"))
        frames = await until(ws, "flushCompleted", "c1")
        assert audio(frames) and len(audio(frames)) == tone_bytes("Hello there")
        await ws.send(op("close_context", "c1"))
        closed = await ws.recv()
        assert event(closed) == "contextClosed" and result(closed)["contextId"] == "c1"
        assert ws.close_code is None


async def test_lower_camel_ops_and_context_id_spelling_are_served_alike(local_server):
    async with connect(local_server) as ws:
        await ws.send(create("c"))
        await until(ws, "contextCreated")
        await ws.send({"sendText": {"text": "Hi you", "flushContext": {}}, "context_id": "c"})
        frames = await until(ws, "flushCompleted", "c")
        assert len(audio(frames)) == tone_bytes("Hi you")
        await ws.send({"closeContext": {}, "contextId": "c"})
        await until(ws, "contextClosed", "c")


async def test_close_context_still_synthesizes_what_is_buffered(local_server):
    async with connect(local_server) as ws:
        await ws.send(create("c", autoMode=False))
        await until(ws, "contextCreated")
        await ws.send(op("send_text", "c", text="never flushed"))
        await ws.send(op("close_context", "c"))
        frames = await until(ws, "contextClosed", "c")
        names = [event(f) for f in frames]
        assert len(audio(frames)) == tone_bytes("never flushed")
        assert names.index("flushCompleted") < names.index("contextClosed") == len(names) - 1


async def test_cancel_context_stops_generating_then_sends_context_closed(local_server):
    text = "a long reply " * 40  # ~31 s of tone
    async with connect(local_server) as ws:
        await ws.send(create("c"))
        await until(ws, "contextCreated")
        await ws.send(op("send_text", "c", text=text, flush_context={}))
        await until(ws, "audioChunk", "c")
        await ws.send(op("cancel_context", "c"))
        frames = await until(ws, "contextClosed", "c")
        assert "flushCompleted" not in [event(f) for f in frames]
        assert len(audio(frames)) < tone_bytes(text) // 2
        await ws.send(op("send_text", "c", text="more"))  # the context is gone
        assert status(await ws.recv())["code"] == iw.NOT_FOUND


async def test_a_sixth_context_gets_a_status_error_and_the_socket_stays_open(local_server):
    async with connect(local_server) as ws:
        for n in range(5):
            await ws.send(create(f"c{n}"))
            await until(ws, "contextCreated", f"c{n}")
        await ws.send(op("close_context", "c0"))  # no text: closes at once
        await until(ws, "contextClosed", "c0")
        await ws.send(op("send_text", "c1", text="still speaking words", flush_context={}))
        await ws.send(op("close_context", "c1"))  # closing contexts count until contextClosed
        await ws.send(create("c5"))
        await ws.send(create("c6"))
        frames = await ws.until(lambda f: status(f)["code"] != 0)
        refused = frames[-1]
        assert status(refused) == {
            "code": iw.RESOURCE_EXHAUSTED,
            "message": "Max contexts limit reached",
            "details": [],
        }
        assert result(refused)["contextId"] == "c6"
        await until(ws, "contextClosed", "c1")
        await ws.send(create("c6"))
        await until(ws, "contextCreated", "c6")
        assert ws.close_code is None


async def test_a_message_for_an_unknown_context_gets_not_found_code_5(local_server):
    async with connect(local_server) as ws:
        await ws.send(op("send_text", "ghost", text="hello"))
        frame = await ws.recv()
        assert status(frame)["code"] == 5 and status(frame)["message"] == "Context ghost not found during sendText"
        assert result(frame)["contextId"] == "ghost"
        await ws.send(op("close_context", "ghost"))
        assert "not found during closeContext" in status(await ws.recv())["message"]
        await ws.send(create("ghost"))
        await ws.send(create("ghost"))
        await until(ws, "contextCreated")
        assert status(await ws.recv())["code"] == iw.ALREADY_EXISTS


async def test_keep_alives_as_pipecat_sends_them(local_server):
    async with connect(local_server) as ws:
        await ws.send({"send_text": {"text": ""}})  # no context open: pipecat swallows this reply
        frame = await ws.recv()
        assert status(frame)["code"] == iw.INVALID_ARGUMENT
        assert "context_id is required when 0 contexts are open" in status(frame)["message"]
        await ws.send(create("c"))
        await until(ws, "contextCreated")
        await ws.send(op("send_text", "c", text=""))  # a live context's keep-alive: no reply
        await ws.send(op("send_text", "gone", text=""))
        frame = await ws.recv()
        assert status(frame)["code"] == 5 and "not found" in status(frame)["message"]


async def test_auto_mode_synthesizes_each_sentence_without_a_flush(local_server):
    async with connect(local_server) as ws:
        await ws.send(create("c", autoMode=True))
        await until(ws, "contextCreated")
        await ws.send(op("send_text", "c", text="One. Two"))
        frames = await until(ws, "flushCompleted", "c")
        assert len(audio(frames)) == tone_bytes("One. ")


async def test_the_char_threshold_flushes_without_auto_mode(local_server):
    async with connect(local_server) as ws:
        await ws.send(create("c", autoMode=False, bufferCharThreshold=10))
        await until(ws, "contextCreated")
        await ws.send(op("send_text", "c", text="abc def ghi jkl"))
        frames = await until(ws, "flushCompleted", "c")
        assert len(audio(frames)) == tone_bytes("abc def ghi ")  # cut at the last word


async def test_max_buffer_delay_flushes_waiting_text_on_the_servers_clock(start_local_server, manual_clock):
    server = await start_local_server(clock=manual_clock)
    async with connect(server.url) as ws:
        await ws.send(create("c", autoMode=False, maxBufferDelayMs=3000))
        await until(ws, "contextCreated")
        await ws.send(op("send_text", "c", text="waiting"))
        with pytest.raises(asyncio.TimeoutError):
            await ws.recv(timeout=0.3)
        manual_clock.advance(3.0)
        frames = await until(ws, "flushCompleted", "c")
        assert len(audio(frames)) == tone_bytes("waiting")


async def test_ten_minutes_without_a_message_closes_the_session(start_local_server, manual_clock):
    server = await start_local_server(clock=manual_clock)
    async with connect(server.url) as ws:
        await ws.send(create("c"))
        await until(ws, "contextCreated")
        manual_clock.advance(599)
        await ws.send(op("send_text", "c", text=""))  # a keep-alive resets the clock
        await asyncio.sleep(0.05)
        manual_clock.advance(599)
        with pytest.raises(asyncio.TimeoutError):
            await ws.recv(timeout=0.3)
        manual_clock.advance(1)
        assert await ws.rest() == []
        assert (ws.close_code, ws.close_reason) == (1000, IDLE_CLOSE_REASON)


async def test_send_text_takes_2000_chars_and_refuses_more(local_server):
    async with connect(local_server) as ws:
        await ws.send(create("c", autoMode=False))
        await until(ws, "contextCreated")
        await ws.send(op("send_text", "c", text="x" * 2001))
        frame = await ws.recv()
        assert status(frame)["code"] == iw.INVALID_ARGUMENT and "maximum is 2000" in status(frame)["message"]
        await ws.send(op("send_text", "c", text="y" * 999))
        await ws.send(op("cancel_context", "c"))
        assert event(await ws.recv()) == "contextClosed"  # 999 chars taken: no error before it


async def test_a_malformed_message_gets_a_status_error_and_the_socket_stays_open(local_server):
    async with connect(local_server) as ws:
        for bad in ("not json", '{"send_text":{"text":"a"},"close_context":{}}', '{"create":{"voiceId":"A"}}'):
            await ws.send(bad)
            frame = await ws.recv()
            assert status(frame)["code"] == iw.INVALID_ARGUMENT and status(frame)["message"].startswith("Invalid")
        await ws.send(create("c"))
        assert is_event("contextCreated", "c")(await ws.recv())


async def test_update_config_synthesizes_the_buffer_first_then_answers_context_updated(local_server):
    async with connect(local_server) as ws:
        await ws.send(create("c", autoMode=False))
        await until(ws, "contextCreated")
        await ws.send(op("send_text", "c", text="before"))
        await ws.send({"updateConfig": {"voiceId": "Dennis", "audioConfig": {"speakingRate": 1.5}}, "contextId": "c"})
        frames = await until(ws, "flushCompleted", "c")
        assert len(audio(frames)) == tone_bytes("before")  # with the old settings
        (updated,) = [f for f in frames if event(f) == "contextUpdated"]  # answered at once
        assert result(updated)["contextUpdated"]["voiceId"] == "Dennis"
        await ws.send(op("send_text", "c", text="after", flush_context={}))
        frames = await until(ws, "flushCompleted", "c")
        assert len(audio(frames)) == tone_bytes("after") * 2 // 3  # speakingRate 1.5 from here on
        for change in ({"modelId": "inworld-tts-1"}, {"audioConfig": {"audioEncoding": "MP3"}}):
            await ws.send(op("update_config", "c", **change))
            assert status(await ws.recv())["code"] == iw.INVALID_ARGUMENT


async def test_a_single_context_session_may_leave_out_the_context_id(local_server):
    async with connect(local_server) as ws:
        await ws.send(create(None))
        created = await ws.recv()
        assert event(created) == "contextCreated" and "contextId" not in result(created)
        await ws.send({"send_text": {"text": "no id", "flush_context": {}}})
        frames = await until(ws, "flushCompleted")
        assert len(audio(frames)) == tone_bytes("no id")
        await ws.send({"close_context": {}})
        closed = await ws.recv()
        assert event(closed) == "contextClosed"


async def test_a_context_closed_without_text_gets_context_closed_and_no_flush_completed(local_server):
    async with connect(local_server) as ws:
        await ws.send(create("empty"))
        await ws.send(op("close_context", "empty"))  # pipecat's tool-call turn: create then close
        frames = await until(ws, "contextClosed", "empty")
        assert [event(f) for f in frames] == ["contextCreated", "contextClosed"]
        await ws.send(op("close_context", "empty"))  # LiveKit's duplicate: the context is gone now
        assert status(await ws.recv())["code"] == iw.NOT_FOUND
