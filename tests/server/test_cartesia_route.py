"""The local server's Cartesia route (`/tts/websocket`), one test per rule of
PROTOCOL-DIALECTS.md §2.4, on loopback with the tone voice (60 ms per char, exact durations)."""

from __future__ import annotations

import pytest

from tui.protocol.formats import AudioFormat, ulaw_decode
from tui.server.fault_plan import FaultPlan
from tui.server.faults import parse_faults

from .cartesia_wire import cartesia_endpoint, is_done, of_type, pcm, request
from .wire import client

RATE = 24000


def samples(seconds: float, rate: int = RATE) -> int:
    return round(seconds * rate)


async def test_a_context_is_created_by_its_first_request_and_ends_with_done_after_its_audio(local_server):
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send(request("c1", "Hello there. "))
        await ws.send(request("c1", "Bye now.", max_buffer_delay_ms=0))
        await ws.send(request("c1", "", more=False))
        frames = await ws.until(is_done("c1"))
    assert all("type" in f and f["context_id"] == "c1" for f in frames)
    assert frames[-1] == {"type": "done", "done": True, "status_code": 206, "context_id": "c1"}
    # Transcripts concatenated verbatim: "Hello there. Bye now." is 21 chars of 60 ms each.
    assert len(pcm(frames)) == 2 * samples(21 * 0.06)
    chunk = of_type(frames, "chunk")[0]
    assert chunk["status_code"] == 206 and chunk["done"] is False and isinstance(chunk["step_time"], (int, float))


async def test_word_timestamps_count_from_the_start_of_the_context(local_server):
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send(request("t", "ab cd. ", max_buffer_delay_ms=0))
        await ws.send(request("t", "ef.", more=False, max_buffer_delay_ms=0))
        frames = await ws.until(is_done("t"))
    stamps = of_type(frames, "timestamps")
    words = [w for f in stamps for w in f["word_timestamps"]["words"]]
    starts = [s for f in stamps for s in f["word_timestamps"]["start"]]
    ends = [e for f in stamps for e in f["word_timestamps"]["end"]]
    assert words == ["ab", "cd.", "ef."]
    assert starts == pytest.approx([0.0, 0.18, 0.42], abs=0.002)  # "ef." starts after the 7 chars of the first input
    assert ends == pytest.approx([0.12, 0.36, 0.6], abs=0.002)
    assert not of_type(frames, "phoneme_timestamps")  # only when asked


async def test_no_timestamps_unless_asked_and_phonemes_when_asked(local_server):
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send(request("n", "Hi.", more=False, add_timestamps=False))
        plain = await ws.until(is_done("n"))
        await ws.send(request("p", "Hi.", more=False, add_phoneme_timestamps=True))
        asked = await ws.until(is_done("p"))
    assert not of_type(plain, "timestamps") and not of_type(plain, "phoneme_timestamps")
    phonemes = of_type(asked, "phoneme_timestamps")[0]["phoneme_timestamps"]
    assert phonemes["phonemes"] == ["H", "i"] and phonemes["start"] == pytest.approx([0.0, 0.06])


async def test_a_manual_flush_answers_flush_done_with_ids_from_one_after_its_audio(local_server):
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send(request("f", "one two"))  # no sentence end: buffered (default delay 3 s)
        await ws.send(request("f", "", flush=True))
        first = await ws.until(lambda f: f["type"] == "flush_done")
        await ws.send(request("f", " three"))
        await ws.send(request("f", "", flush=True))
        second = await ws.until(lambda f: f["type"] == "flush_done")
        await ws.send(request("f", "", more=False))
        rest = await ws.until(is_done("f"))
    assert len(pcm(first)) == 2 * samples(7 * 0.06) and first[-1]["flush_id"] == 1
    assert all(c["flush_id"] == 1 for c in of_type(first, "chunk"))
    assert len(pcm(second)) == 2 * samples(6 * 0.06) and second[-1]["flush_id"] == 2
    assert first[-1] == {
        "type": "flush_done",
        "done": False,
        "flush_done": True,
        "flush_id": 1,
        "status_code": 206,
        "context_id": "f",
    }
    assert [f["type"] for f in rest] == ["done"]


async def test_no_buffer_delay_generates_each_transcript_at_once_with_a_flush_done_each(local_server):
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send(request("z", "no end yet ", max_buffer_delay_ms=0))
        first = await ws.until(lambda f: f["type"] == "flush_done")
        await ws.send(request("z", "more", max_buffer_delay_ms=0, more=False))
        rest = await ws.until(is_done("z"))
    assert len(pcm(first)) == 2 * samples(11 * 0.06) and first[-1]["flush_id"] == 1
    assert [f["flush_id"] for f in of_type(rest, "flush_done")] == [2]


async def test_cancel_stops_the_context_and_done_follows_with_nothing_after(local_server):
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send(request("long", "a long sentence that takes many seconds to say. " * 4))
        await ws.until(lambda f: f["type"] == "chunk")
        await ws.send({"context_id": "long", "cancel": True})
        frames = await ws.until(is_done("long"))
        await ws.send(request("next", "Next.", more=False))
        after = await ws.until(is_done("next"))
    assert len(pcm(frames)) < 2 * samples(4 * 48 * 0.06) // 2  # cut long before the end
    assert all(f["context_id"] == "next" for f in after)  # never a frame for a context after its done


async def test_an_empty_or_punctuation_first_transcript_is_the_400_error_with_done(local_server):
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send(request("e", " ", more=False))  # LiveKit's stream with no text
        error = await ws.recv()
        await ws.send(request("p", "...", more=True))
        punct = await ws.recv()
        await ws.send(request("ok", "Fine.", more=False))
        fine = await ws.until(is_done("ok"))
    assert error["type"] == "error" and error["done"] is True and error["status_code"] == 400
    assert error["context_id"] == "e" and error["error"].startswith("transcript empty or contains only punctuation")
    assert {"title", "message", "error_code"} <= error.keys()
    assert punct["context_id"] == "p" and punct["status_code"] == 400
    assert pcm(fine)


async def test_changing_voice_model_or_language_mid_context_errors_and_ends_it(local_server):
    async with client(cartesia_endpoint(local_server)) as ws:
        for field, value in (("model_id", "sonic-3"), ("voice", {"mode": "id", "id": "other"}), ("language", "fr")):
            cid = f"change-{field}"
            await ws.send(request(cid, "one two"))
            await ws.send(request(cid, " three", **{field: value}))
            error = await ws.until(lambda f: f["type"] == "error")
            assert error[-1]["context_id"] == cid and error[-1]["done"] is True and field in error[-1]["message"]
            await ws.send(request(cid, "", more=False))  # the context is gone: a new one, refused as empty
            again = await ws.recv()
            assert again["type"] == "error" and "transcript empty" in again["message"]


async def test_an_input_after_continue_false_errors_and_ends_the_draining_context(local_server):
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send(request("d", "a long sentence to say. " * 4, more=False))
        await ws.until(lambda f: f["type"] == "chunk")
        await ws.send(request("d", "late words"))
        frames = await ws.until(lambda f: f["type"] == "error")
        await ws.send(request("x", "After.", more=False))
        after = await ws.until(is_done("x"))
    assert frames[-1]["context_id"] == "d" and frames[-1]["done"] is True
    assert not of_type(frames, "done") and all(f["context_id"] == "x" for f in after)


async def test_a_frame_that_cannot_be_decoded_gets_a_400_error_and_the_socket_stays_open(local_server):
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send("not json")
        bad = await ws.recv()
        await ws.send({"context_id": "k", "transcript": 5})
        typed = await ws.recv()
        await ws.send(request("ok", "Still here.", more=False))
        fine = await ws.until(is_done("ok"))
        assert ws.close_code is None
    assert bad["type"] == "error" and bad["context_id"] == "" and bad["status_code"] == 400
    assert typed["context_id"] == "k" and "transcript" in typed["message"]
    assert pcm(fine)


async def test_a_first_request_without_model_voice_or_format_is_refused(local_server):
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send({"context_id": "m", "transcript": "Hello.", "continue": False})
        error = await ws.recv()
    assert error["status_code"] == 400 and "model_id, voice, output_format" in error["message"]


@pytest.mark.parametrize(
    ("encoding", "rate", "width"),
    [
        ("pcm_s16le", 16000, 2),
        ("pcm_f32le", 44100, 4),
        ("pcm_mulaw", 8000, 1),
        ("pcm_alaw", 8000, 1),
        ("pcm_s16le", 48000, 2),
    ],
)
async def test_every_raw_format_the_service_offers(local_server, encoding, rate, width):
    fmt = {"container": "raw", "encoding": encoding, "sample_rate": rate}
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send(request("fmt", "Hi there.", more=False, output_format=fmt))
        frames = await ws.until(is_done("fmt"))
    data = pcm(frames)
    assert len(data) == width * samples(9 * 0.06, rate)
    if encoding == "pcm_mulaw":
        assert max(abs(s) for s in memoryview(ulaw_decode(data)).cast("h")) > 1000  # a tone, not silence
    assert AudioFormat("f32", rate).seconds(len(data)) == pytest.approx(9 * 0.06) if width == 4 else True


@pytest.mark.parametrize(
    "fmt",
    [
        {"container": "mp3", "encoding": "pcm_s16le", "sample_rate": 24000},
        {"container": "raw", "encoding": "pcm_s24le", "sample_rate": 24000},
        {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 32000},
    ],
)
async def test_a_format_the_service_does_not_offer_is_refused_with_its_error(local_server, fmt):
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send(request("bad", "Hi.", more=False, output_format=fmt))
        error = await ws.recv()
    assert error["type"] == "error" and error["status_code"] == 400 and "output_format" in error["message"]


async def test_contexts_run_in_parallel_and_their_frames_interleave(start_local_server):
    # Paced (as the service streams in real time): the tone voice alone makes a context's audio in
    # a millisecond, so on a busy machine one context could be all out before the other begins.
    server = await start_local_server("tone", faults=FaultPlan(parse_faults("jitter=10ms")))
    async with client(cartesia_endpoint(server.url)) as ws:
        await ws.send(request("a", "first context speaks for a while. " * 2, more=False))
        await ws.send(request("b", "second context speaks for a while. " * 2, more=False))
        frames = []
        while len(of_type(frames, "done")) < 2:
            frames.append(await ws.recv())
    order = [f["context_id"] for f in of_type(frames, "chunk")]
    assert order.index("b") < len(order) - 1 - order[::-1].index("a")  # b's audio began before a's ended
    assert len(pcm(frames, "a")) == 2 * samples(68 * 0.06) and len(pcm(frames, "b")) == 2 * samples(70 * 0.06)


async def test_long_text_with_no_sentence_end_is_generated_up_to_its_last_word(start_local_server, manual_clock):
    server = await start_local_server(clock=manual_clock)  # the buffer delay never passes
    words = "word " * 30  # 150 chars, no sentence end: past the managed buffer's 100
    async with client(cartesia_endpoint(server.url)) as ws:
        await ws.send(request("m", words[:-5] + "wor"))  # the last word still growing
        frames = await ws.until(lambda f: f["type"] == "chunk")
        await ws.send(request("m", "d.", more=False))
        frames += await ws.until(is_done("m"))
    assert len(pcm(frames)) == 2 * samples(len(words[:-5] + "word.") * 0.06)
