"""Ogg Opus and FLAC from the real local server, decoded by libsndfile (soundfile) in the test:
a turn's bytes, as a client receives them, are one stream that decodes to the turn's duration
(within one 20 ms Opus frame) at the format's rate, on every route that offers the format
(ElevenLabs multi-stream-input, stream-input and Text-to-Dialogue `opus_48000_*`; Inworld
`OGG_OPUS` and `FLAC`; Murf `FLAC`). The tone voice speaks 60 ms per char."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
import soundfile

from tui.server.encoding import opus_compression_level

from . import inworld_client as iw_client
from .dialogue_wire import close, final, say, ttd_url, voices
from .wire import audio_bytes, client, is_final, multi_url, murf_endpoint, opening, single_url, text

TONE_MS = 60
OPUS_FRAME_MS = 20
TURN = "Tones, compressed. "  # 19 chars: 1.14 s


def decode(data: bytes) -> tuple[np.ndarray, int, int]:
    """The samples (frames x channels, int16), rate and channels of one Ogg Opus or FLAC stream.

    Read block by block through libsndfile itself: a streamed FLAC's header says "length unknown"
    (the encoder cannot know it up front), which soundfile's `read` takes for a length and fails on.
    """
    with soundfile.SoundFile(io.BytesIO(data)) as stream:
        blocks = []
        while True:
            block = np.empty((4096, stream.channels), dtype=np.int16)
            got = soundfile._snd.sf_readf_short(stream._file, soundfile._ffi.cast("short*", block.ctypes.data), 4096)
            if got <= 0:
                break
            blocks.append(block[:got])
        samples = np.concatenate(blocks) if blocks else np.empty((0, stream.channels), np.int16)
        return samples, stream.samplerate, stream.channels


def assert_turn(data: bytes, chars: int, rate: int, kind: str, channels: int = 1) -> np.ndarray:
    """`data` is one `kind` stream of `chars` tone chars at `rate`: within an Opus frame, FLAC exact."""
    head = {"opus": b"OggS", "flac": b"fLaC"}[kind]
    assert data[:4] == head
    samples, got_rate, got_channels = decode(data)
    assert (got_rate, got_channels) == (rate, channels)
    expected = round(chars * TONE_MS * rate / 1000)
    tolerance = 0 if kind == "flac" else OPUS_FRAME_MS * rate // 1000
    assert abs(len(samples) - expected) <= tolerance, (len(samples), expected)
    assert np.abs(samples.astype(np.int32)).max() > 1000  # tones, not silence
    return samples


# ---- ElevenLabs ----------------------------------------------------------------------------


async def eleven_turn(url: str) -> bytes:
    async with client(url) as ws:
        await ws.send(text("t1", TURN, flush=True))
        await ws.send({"context_id": "t1", "close_context": True})
        return audio_bytes(await ws.until(is_final))


def ogg_streams(data: bytes) -> list[bytes]:
    """`data` cut into its chained Ogg streams, page by page (a page with the BOS flag starts one)."""
    streams: list[bytearray] = []
    at = 0
    while at < len(data):
        assert data[at : at + 4] == b"OggS", f"no Ogg page at byte {at}"
        segments = data[at + 26]
        length = 27 + segments + sum(data[at + 27 : at + 27 + segments])
        if data[at + 5] & 0x02:
            streams.append(bytearray())
        streams[-1] += data[at : at + length]
        at += length
    return [bytes(s) for s in streams]


@pytest.mark.parametrize("kbps", [32, 64, 96, 128, 192])
async def test_multi_stream_input_sends_a_turn_as_one_ogg_opus_stream_at_48_khz(local_server, kbps):
    data = await eleven_turn(multi_url(local_server, output_format=f"opus_48000_{kbps}"))
    assert_turn(data, len(TURN), 48000, "opus")


def ogg_page_flags(stream: bytes) -> list[int]:
    """The header-type byte of each page (0x02 begins a stream, 0x04 ends it)."""
    flags, at = [], 0
    while at < len(stream):
        segments = stream[at + 26]
        flags.append(stream[at + 5])
        at += 27 + segments + sum(stream[at + 27 : at + 27 + segments])
    return flags


def ends_an_ogg_stream(seen: list[bytes]) -> Callable[[dict], bool]:
    """A predicate for `until`: true once the audio so far (kept in `seen`) holds an end-of-stream page."""

    def done(frame: dict) -> bool:
        seen.append(audio_bytes([frame]))
        streams = ogg_streams(b"".join(seen))
        return bool(streams) and any(flags & 0x04 for flags in ogg_page_flags(streams[-1]))

    return done


async def test_each_flush_gets_all_its_opus_now_and_the_next_generation_is_a_new_chained_stream(local_server):
    second = "Then another."
    async with client(multi_url(local_server, output_format="opus_48000_64")) as ws:
        await ws.send(text("t1", TURN, flush=True))
        seen: list[bytes] = []
        await ws.until(ends_an_ogg_stream(seen))  # the flush's stream ends with no more text sent
        first = b"".join(seen)
        await ws.send(text("t1", second, flush=True))
        await ws.send({"context_id": "t1", "close_context": True})
        rest = audio_bytes(await ws.until(is_final))
    assert_turn(first, len(TURN), 48000, "opus")
    streams = ogg_streams(first + rest)
    assert len(streams) == 2 and streams[0] == first
    assert_turn(streams[1], len(second), 48000, "opus")
    assert streams[0][14:18] != streams[1][14:18]  # serial numbers differ, as Ogg requires of a chain


async def test_the_opus_bitrate_follows_the_format_name(local_server):
    sizes = {}
    for kbps in (32, 64, 192):
        sizes[kbps] = len(await eleven_turn(multi_url(local_server, output_format=f"opus_48000_{kbps}")))
    seconds = len(TURN) * TONE_MS / 1000
    assert sizes[32] < sizes[64] < sizes[192]
    # VBR on a pure tone, plus the Ogg headers (~0.9 kB): near the asked rate, not on it.
    assert sizes[64] * 8 / seconds == pytest.approx(64_000, rel=0.35)
    assert sizes[192] * 8 / seconds == pytest.approx(192_000, rel=0.35)


async def test_stream_input_sends_its_single_stream_as_ogg_opus(local_server):
    async with client(single_url(local_server, output_format="opus_48000_64")) as ws:
        await ws.send(opening())
        await ws.send(text(None, TURN, flush=True))
        await ws.send({"text": ""})
        frames = await ws.rest()
    # The opening's space is spoken too (60 ms of silence), as on PCM (test_single_stream).
    assert_turn(audio_bytes(frames), len(" " + TURN), 48000, "opus")


async def test_text_to_dialogue_sends_a_turn_as_ogg_opus(local_server):
    async with client(ttd_url(local_server, output_format="opus_48000_96")) as ws:
        await ws.send(voices("t1"))
        await ws.send(say("t1", TURN))
        await ws.send(close("t1"))
        frames = await ws.until(final)
    assert_turn(audio_bytes(frames), len(TURN), 48000, "opus")


@pytest.mark.parametrize("name", ["opus_48000_48", "opus_44100_64", "opus_48000"])
async def test_an_opus_format_the_service_does_not_list_is_refused_naming_the_offered_ones(local_server, name):
    async with client(multi_url(local_server, output_format=name)) as ws:
        frames = await ws.rest()
    assert frames[0]["error"] == "invalid_output_format"
    assert name in frames[0]["message"] and "opus_48000_64" in frames[0]["message"]
    assert ws.close_code == 1008


def test_the_opus_level_maps_kbps_onto_libsndfiles_6_to_256_kbps_range():
    assert opus_compression_level(256) == 0.0 and opus_compression_level(6) == 1.0
    assert opus_compression_level(131) == pytest.approx(0.5)
    assert opus_compression_level(1000) == 0.0 and opus_compression_level(1) == 1.0


# ---- Inworld -------------------------------------------------------------------------------


async def inworld_syntheses(url: str, texts: list[str], **create_settings) -> list[bytes]:
    """The audio of each synthesis (one flush each) of one context."""
    out = []
    async with iw_client.connect(url) as ws:
        await ws.send(iw_client.create("c", **create_settings))
        await iw_client.until(ws, "contextCreated")
        for words in texts:
            await ws.send(iw_client.op("send_text", "c", text=words, flush_context={}))
            out.append(iw_client.audio(await iw_client.until(ws, "flushCompleted", "c")))
    return out


@pytest.mark.parametrize(
    "encoding, kind, rate",
    [("OGG_OPUS", "opus", 48000), ("OGG_OPUS", "opus", 16000), ("FLAC", "flac", 24000), ("FLAC", "flac", 44100)],
)
async def test_inworld_sends_each_synthesis_as_its_own_stream(local_server, encoding, kind, rate):
    second = "Then another."
    first, then = await inworld_syntheses(local_server, [TURN, second], encoding=encoding, rate=rate)
    assert_turn(first, len(TURN), rate, kind)
    assert_turn(then, len(second), rate, kind)  # a new stream: decodes without the first


async def test_inworld_opus_takes_its_bitrate_in_bits_per_second(local_server):
    sizes = {}
    for bits in (32_000, 128_000):
        async with iw_client.connect(local_server) as ws:
            body = iw_client.create("c", encoding="OGG_OPUS", rate=48000)
            body["create"]["audioConfig"]["bitRate"] = bits
            await ws.send(body)
            await iw_client.until(ws, "contextCreated")
            await ws.send(iw_client.op("send_text", "c", text=TURN, flush_context={}))
            sizes[bits] = len(iw_client.audio(await iw_client.until(ws, "flushCompleted", "c")))
    assert sizes[32_000] * 3 < sizes[128_000]


@pytest.mark.parametrize("rate", [22050, 44100])
async def test_inworld_opus_at_a_rate_opus_lacks_is_refused_naming_the_rates_it_takes(local_server, rate):
    async with iw_client.connect(local_server) as ws:
        await ws.send(iw_client.create("x", encoding="OGG_OPUS", rate=rate))
        frame = await ws.recv()
    message = iw_client.status(frame)["message"]
    assert f"sampleRateHertz {rate}" in message and "OGG_OPUS" in message and "48000" in message


# ---- Murf ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rate, channel_type, channels", [(24000, "MONO", 1), (44100, "STEREO", 2)])
async def test_murf_flac_is_one_stream_per_turn(local_server, rate, channel_type, channels):
    async with client(murf_endpoint(local_server, format="FLAC", sample_rate=rate, channel_type=channel_type)) as ws:
        await ws.send({"text": TURN, "context_id": "t", "end": True})
        frames = await ws.until(is_final)
    samples = assert_turn(audio_bytes(frames), len(TURN), rate, "flac", channels)
    if channels == 2:
        assert np.array_equal(samples[:, 0], samples[:, 1])  # the mono voice in both channels
