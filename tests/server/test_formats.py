"""Every output format the services offer, from the real local server on loopback (tone voice).

Compressed and wrapped audio is decoded back with a real decoder (miniaudio: dr_mp3, dr_wav)
and compared with the PCM the server sends for the same text: same length (MP3 adds only
LAME's priming and padding), same energy.
"""

from __future__ import annotations

import base64
import struct

import miniaudio
import numpy as np
import pytest

from tui.protocol.urls import elevenlabs_url, murf_url

from .wire import audio_bytes, client, context_of, is_final, multi_url, murf_endpoint, single_url, spoken_text, text

TURN = "Tones for every format."  # the tone voice: 60 ms a char
MP3_FRAME = 1152  # samples in an MPEG-1 Layer III frame (576 below 32 kHz)


def samples(pcm: bytes, channels: int = 1) -> np.ndarray:
    data = np.frombuffer(pcm[: len(pcm) // 2 * 2], "<i2").astype(np.float64)
    return data.reshape(-1, channels) if channels > 1 else data


def rms(data: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(data))))


def decode_mp3(data: bytes) -> tuple[miniaudio.DecodedSoundFile, np.ndarray]:
    decoded = miniaudio.mp3_read_s16(data)
    return decoded, np.asarray(decoded.samples, dtype=np.float64).reshape(-1, decoded.nchannels)


async def elevenlabs_turn(url: str, words: str = TURN) -> list[dict]:
    """One context: text, flush, close; its frames up to its final."""
    async with client(url) as ws:
        await ws.send(text("t1", " "))
        await ws.send(text("t1", words + " ", flush=True))
        await ws.send({"context_id": "t1", "close_context": True})
        return await ws.until(is_final)


async def murf_turns(url: str, *turns: str) -> list[dict]:
    async with client(url) as ws:
        for n, words in enumerate(turns):
            await ws.send({"text": words, "context_id": f"t{n}", "end": True})
        return await ws.finals(len(turns))


def assert_same_audio_as_pcm(decoded: np.ndarray, pcm: np.ndarray, rate: int) -> None:
    """Decoded MP3 is the PCM plus LAME's priming and padding (under three frames), as loud."""
    extra = len(decoded) - len(pcm)
    frame = MP3_FRAME if rate >= 32000 else MP3_FRAME // 2
    assert 0 <= extra <= 3 * frame, f"{extra} samples more than the PCM"
    assert rms(decoded) == pytest.approx(rms(pcm) * np.sqrt(len(pcm) / len(decoded)), rel=0.1)


# ---- ElevenLabs ---------------------------------------------------------------------------


async def test_with_no_output_format_elevenlabs_audio_is_mp3_44100_128_as_on_the_service(local_server):
    frames = await elevenlabs_turn(elevenlabs_url(local_server, "local-voice"))
    data = audio_bytes(frames)
    info = miniaudio.mp3_get_info(data)
    assert (info.sample_rate, info.nchannels) == (44100, 1)
    assert info.duration == pytest.approx((len(TURN) + 2) * 0.060, abs=0.08)  # " " opens, " " ends
    assert len(data) * 8 / info.duration == pytest.approx(128_000, rel=0.06)  # constant bitrate


@pytest.mark.parametrize(
    "output_format",
    [
        "mp3_22050_32",
        "mp3_44100_32",
        "mp3_44100_64",
        "mp3_44100_96",
        "mp3_44100_128",
        "mp3_44100_192",
    ],
)
async def test_every_mp3_format_decodes_to_the_pcm_of_the_same_text_in_length_and_energy(local_server, output_format):
    _, rate, kbps = output_format.split("_")
    pcm = samples(audio_bytes(await elevenlabs_turn(multi_url(local_server, output_format=f"pcm_{rate}"))))
    mp3 = audio_bytes(await elevenlabs_turn(multi_url(local_server, output_format=output_format)))
    decoded, data = decode_mp3(mp3)
    assert (decoded.sample_rate, decoded.nchannels) == (int(rate), 1)
    assert_same_audio_as_pcm(data[:, 0], pcm, int(rate))
    assert len(mp3) * 8 / (len(data) / int(rate)) == pytest.approx(int(kbps) * 1000, rel=0.06)


async def test_mp3_frames_carry_every_char_and_alignment_durations_add_up_to_the_encoded_audio(local_server):
    frames = await elevenlabs_turn(multi_url(local_server, output_format="mp3_44100_128"))
    audio = [f for f in frames if "audio" in f]
    assert len(audio) > 1, "streamed in pieces, not one blob"
    assert spoken_text(audio) == " " + TURN + " "
    aligned_ms = sum(sum(f["alignment"]["charDurationsMs"]) for f in audio if f.get("alignment"))
    decoded, data = decode_mp3(audio_bytes(frames))
    encoded_ms = len(data) / decoded.sample_rate * 1000
    assert aligned_ms == pytest.approx((len(TURN) + 2) * 60, abs=len(audio))
    assert 0 <= encoded_ms - aligned_ms <= 3 * MP3_FRAME / 44.1  # only LAME's priming and padding


async def test_a_flush_gets_all_its_mp3_now_and_the_context_stays_one_decodable_stream(local_server):
    flushed_ms = len("First part. ") * 60
    received: list[dict] = []

    def all_flushed_audio_is_here(frame: dict) -> bool:
        received.append(frame)
        data = audio_bytes(received)
        return bool(data) and len(decode_mp3(data)[1]) / 44.1 >= flushed_ms

    async with client(multi_url(local_server, output_format="mp3_44100_128")) as ws:
        await ws.send(text("t1", "First part. ", flush=True))
        await ws.until(all_flushed_audio_is_here)  # times out if the encoder kept the tail
        await ws.send(text("t1", "Second part. ", flush=True))
        await ws.send({"context_id": "t1", "close_context": True})
        received += await ws.until(is_final)
    assert spoken_text(received) == "First part. Second part. "
    assert len(decode_mp3(audio_bytes(received))[1]) / 44.1 >= len("First part. Second part. ") * 60


async def test_the_single_context_endpoint_speaks_mp3_by_default_too(local_server):
    async with client(elevenlabs_url(local_server, "local-voice", multi=False)) as ws:
        await ws.send({"text": " "})
        await ws.send({"text": TURN + " "})
        await ws.send({"text": ""})
        frames = await ws.until(is_final)
    assert miniaudio.mp3_get_info(audio_bytes(frames)).sample_rate == 44100
    assert single_url("ws://x").endswith("output_format=pcm_22050")  # the other tests name PCM


@pytest.mark.parametrize("output_format", ["mp3_22050_128", "mp3_48000_128", "wav_44100", "flac_44100"])
async def test_an_output_format_the_service_does_not_list_gets_an_error_naming_the_offered_ones(
    local_server, output_format
):
    async with client(multi_url(local_server, output_format=output_format)) as ws:
        frames = await ws.rest()
    assert len(frames) == 1 and frames[0]["error"] == "invalid_output_format"
    assert output_format in frames[0]["message"] and "mp3_22050_32" in frames[0]["message"]
    assert ws.close_code == 1008


# ---- Murf ---------------------------------------------------------------------------------


def riff(data: bytes) -> tuple[int, int]:
    """(channels, sample_rate) from a 44-byte RIFF/WAVE PCM header."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and data[36:40] == b"data"
    tag, channels, rate = struct.unpack("<HHI", data[20:28])
    assert tag == 1  # PCM
    return channels, rate


def by_context(frames: list[dict]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for frame in frames:
        if frame.get("audio"):
            out[context_of(frame)] = out.get(context_of(frame), b"") + base64.b64decode(frame["audio"])
    return out


async def test_murf_default_format_is_wav_with_exactly_one_riff_header_per_context(local_server):
    frames = await murf_turns(murf_url(local_server), "One turn. Two sentences.", "Another turn.")
    pcm = by_context(
        await murf_turns(
            murf_endpoint(local_server, format="PCM", sample_rate=24000), "One turn. Two sentences.", "Another turn."
        )
    )
    wav = by_context(frames)
    assert set(wav) == {"t0", "t1"}
    for context_id, data in wav.items():
        first = next(f for f in frames if f.get("audio") and context_of(f) == context_id)
        assert base64.b64decode(first["audio"])[:4] == b"RIFF"  # at the start of its audio
        assert data.count(b"RIFF") == 1 and data.count(b"WAVE") == 1
        assert riff(data) == (1, 24000)
        assert data[44:] == pcm[context_id]  # then the same PCM
        decoded = miniaudio.decode(data, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=24000)
        assert decoded.num_frames == len(pcm[context_id]) // 2  # a real decoder reads it whole


@pytest.mark.parametrize("rate", [8000, 16000, 24000, 44100, 48000])
async def test_murf_mp3_decodes_to_the_pcm_of_the_same_text_at_each_listed_rate(local_server, rate):
    pcm = samples(by_context(await murf_turns(murf_endpoint(local_server, sample_rate=rate), TURN))["t0"])
    mp3 = by_context(await murf_turns(murf_endpoint(local_server, format="MP3", sample_rate=rate), TURN))["t0"]
    decoded, data = decode_mp3(mp3)
    assert (decoded.sample_rate, decoded.nchannels) == (rate, 1)
    assert_same_audio_as_pcm(data[:, 0], pcm, rate)


@pytest.mark.parametrize("fmt", ["PCM", "WAV", "MP3"])
async def test_murf_stereo_is_the_mono_voice_in_both_channels(local_server, fmt):
    mono = samples(by_context(await murf_turns(murf_endpoint(local_server, sample_rate=44100), TURN))["t0"])
    data = by_context(
        await murf_turns(murf_endpoint(local_server, format=fmt, sample_rate=44100, channel_type="STEREO"), TURN)
    )["t0"]
    if fmt == "MP3":
        decoded, stereo = decode_mp3(data)
        assert decoded.nchannels == 2
        assert_same_audio_as_pcm(stereo[:, 0], mono, 44100)
        assert np.abs(stereo[:, 0] - stereo[:, 1]).max() <= 2  # joint stereo: the same both sides
        return
    if fmt == "WAV":
        assert riff(data) == (2, 44100)
        data = data[44:]
    stereo = samples(data, channels=2)
    assert np.array_equal(stereo[:, 0], mono) and np.array_equal(stereo[:, 1], mono)
