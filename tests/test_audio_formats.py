"""Every wire format the services send decodes, piece by piece as it arrives, to the PCM the
speaker plays; and the samples a turn received are counted from what decodes, not from bytes.

No sound server here: the decoder and the counter against whole-stream references (MP3 encoded
with LAME as the local server does, decoded whole by miniaudio; WAV as the server writes it).
"""

from __future__ import annotations

import math
from array import array

import miniaudio
import pytest

from tui.audio.decode import turn_decoder
from tui.protocol.formats import AudioFormat, AudioMeter, parse_format_spelling
from tui.server.encoding import Mp3Encoder, SampleEncoder

RAGGED = (1, 7, 300, 2, 911, 64, 5000, 13)  # piece sizes, cycled: cuts anywhere, mid-header too


def tone(rate: int, seconds: float, freq: float = 440.0) -> bytes:
    return array(
        "h", (int(9000 * math.sin(2 * math.pi * freq * i / rate)) for i in range(int(rate * seconds)))
    ).tobytes()


def ragged(data: bytes) -> list[bytes]:
    pieces, at, k = [], 0, 0
    while at < len(data):
        size = RAGGED[k % len(RAGGED)]
        pieces.append(data[at : at + size])
        at, k = at + size, k + 1
    return pieces


def encoded(fmt: AudioFormat, pcm: bytes, piece: int = 882) -> bytes:
    """The server's bytes for `pcm` in `fmt` (its own per-turn encoder, fed as the voice yields)."""
    enc = Mp3Encoder(fmt, fmt.channels) if fmt.encoding == "mp3" else SampleEncoder(fmt, fmt.channels)
    return b"".join(enc.encode(pcm[i : i + piece]) for i in range(0, len(pcm), piece)) + enc.finish()


MP3S = ["mp3_44100_128", "mp3_22050_32", "mp3_44100_32", "mp3_24000", "mp3_8000", "mp3_48000_stereo"]


@pytest.mark.parametrize("name", MP3S)
def test_mp3_fed_in_ragged_pieces_decodes_to_the_same_samples_as_the_whole_stream(name):
    fmt = parse_format_spelling(name)
    wire = encoded(fmt, tone(fmt.sample_rate, 0.6))
    whole = miniaudio.decode(wire, nchannels=1, sample_rate=fmt.sample_rate).samples.tobytes()
    decoder = turn_decoder(fmt)
    streamed = b"".join(decoder.decode(p) for p in ragged(wire))
    assert len(streamed) == len(whole) and streamed == whole


def test_mp3_decodes_each_complete_frame_as_soon_as_it_arrives():
    fmt = parse_format_spelling("mp3_44100_128")
    wire = encoded(fmt, tone(44100, 0.5))
    decoder = turn_decoder(fmt)
    first_frame = 417  # 128 kbps at 44.1 kHz, no padding bit on the first
    assert decoder.decode(wire[: first_frame - 1]) == b""
    assert len(decoder.decode(wire[first_frame - 1 : first_frame])) == 1152 * 2


@pytest.mark.parametrize("name", MP3S)
def test_mp3_samples_received_are_counted_exactly_as_they_decode(name):
    fmt = parse_format_spelling(name)
    wire = encoded(fmt, tone(fmt.sample_rate, 0.6))
    meter, decoder = AudioMeter(fmt), turn_decoder(fmt)
    counted = decoded = 0
    for piece in ragged(wire):
        counted += meter.samples("c", piece)
        decoded += len(decoder.decode(piece)) // 2
        assert counted == decoded
    assert counted == len(miniaudio.decode(wire, nchannels=1, sample_rate=fmt.sample_rate).samples)
    assert meter.seconds_of(counted) == pytest.approx(counted / fmt.sample_rate)


@pytest.mark.parametrize("name", ["wav_24000", "wav_8000", "wav_44100_stereo", "pcm_24000_stereo"])
def test_murf_wav_loses_its_header_once_per_context_and_stereo_is_mixed_to_mono(name):
    fmt = parse_format_spelling(name)
    pcm = tone(fmt.sample_rate, 0.3)
    wire = encoded(fmt, pcm)
    assert wire.startswith(b"RIFF") == (fmt.encoding == "wav")
    meter, decoder = AudioMeter(fmt), turn_decoder(fmt)
    out = b"".join(decoder.decode(p) for p in ragged(wire))
    assert out == pcm  # both channels carry the voice: their mix is the voice
    assert sum(meter.samples("c", p) for p in ragged(wire)) == len(pcm) // 2
    if fmt.encoding == "wav":  # a second context gets its own header: stripped again, no click
        assert meter.samples("d", wire[:44]) == 0 and turn_decoder(fmt).decode(wire[:44]) == b""


def test_the_meter_forgets_a_context_and_counts_its_next_stream_afresh():
    fmt = parse_format_spelling("wav_24000")
    wire = encoded(fmt, tone(24000, 0.1))
    meter = AudioMeter(fmt)
    assert meter.samples("c", wire) == 2400
    meter.forget("c")
    assert meter.samples("c", wire) == 2400


@pytest.mark.parametrize("name", ["pcm_22050", "ulaw_8000", "alaw_8000"])
def test_byte_formats_count_one_sample_per_sample_bytes(name):
    fmt = parse_format_spelling(name)
    meter = AudioMeter(fmt)
    assert sum(meter.samples("c", p) for p in (b"\x00" * 3, b"\x00" * 5)) == 8 // fmt.bytes_per_sample


def test_opus_is_refused_by_the_speaker_with_a_reason():
    with pytest.raises(ValueError, match="Opus"):
        turn_decoder(AudioFormat("opus", 48000, 64))


@pytest.mark.parametrize(
    "name, expected",
    [
        ("mp3_44100_128", AudioFormat("mp3", 44100, 128)),
        ("mp3_24000", AudioFormat("mp3", 24000)),
        ("wav_48000", AudioFormat("wav", 48000)),
        ("wav_24000_stereo", AudioFormat("wav", 24000, channels=2)),
        ("pcm_16000_stereo", AudioFormat("pcm", 16000, channels=2)),
    ],
)
def test_console_spellings_round_trip(name, expected):
    assert parse_format_spelling(name) == expected and expected.name == name


@pytest.mark.parametrize("name, bound_ms", [("mp3_44100_128", 26), ("mp3_22050_32", 51), ("mp3_24000", 47)])
def test_mp3_sound_lags_its_alignment_by_the_codec_delay_and_no_more(name, bound_ms):
    # The server's alignment times the PCM it encoded; decoded MP3 starts with LAME's priming
    # (encoder 576 + decoder 529 samples), so a word is heard that much after its aligned start.
    fmt = parse_format_spelling(name)
    rate = fmt.sample_rate
    pcm = bytes(2 * rate // 10) + tone(rate, 0.3)  # 100 ms of silence, then sound
    decoder = turn_decoder(fmt)
    decoded = array("h", b"".join(decoder.decode(p) for p in ragged(encoded(fmt, pcm))))

    def onset(samples) -> int:  # half the tone's level: above MP3's pre-echo before the onset
        return next(i for i, v in enumerate(samples) if abs(v) > 4500)

    lag_ms = (onset(decoded) - onset(array("h", pcm))) * 1000 / rate
    assert 0 <= lag_ms <= bound_ms, lag_ms
