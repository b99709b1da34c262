"""Per-turn audio encoders: s16le mono PCM from the voice → the bytes of the wire format.

One `StreamEncoder` per turn (an ElevenLabs context or a Murf turn), fed that turn's audio in
order, piece by piece, as the voice yields it: nothing waits for the turn to end.

- PCM, mu-law, A-law: sample by sample (tui/protocol/formats.py); no state.
- WAV (Murf): the same PCM behind one 44-byte RIFF header, sent once per turn at the start of
  its first audio. The length is unknown while streaming, so the RIFF and data sizes are
  0xFFFFFFFF ("to the end of the stream", as streaming encoders such as ffmpeg write them): a
  client that strips a 44-byte header and one that decodes the turn's bytes whole both work.
- MP3: LAME (`lameenc`), one encoder per turn, so a turn's bytes are one MP3 stream that any
  decoder reads from its first byte. LAME holds back up to about two frames (lookahead), so a
  piece may encode to nothing yet; `finish` writes that tail. The runtime finishes a turn's
  stream at its end (before its final) and, for ElevenLabs, after each flushed generation, so a
  flush gets all its audio at once; the next audio then starts a new MP3 stream (decoders read
  concatenated streams; each adds LAME's ~50 ms of priming and padding silence).
- Ogg Opus and FLAC: libsndfile (`soundfile`), one stream per turn like MP3 (and renewed after
  `finish` the same way), written into a sink that hands out the bytes appended since the last
  piece: Opus as Ogg pages, FLAC as its header and then frames (a 4096-sample block each: a short
  piece may encode to nothing yet). The Ogg page latency is set to libsndfile's floor, 50 ms
  (lower values are taken as 50; its default is 1000 ms), so a piece's audio goes out as the
  pages it completed: the bytes trail the audio fed by ~60 ms on average, 86 ms at most
  (measured with 50 ms pieces), instead of up to a second. After a flush (ElevenLabs) or a
  synthesis (Inworld) the stream ends and the next audio starts a new one: libsndfile can neither
  push out a partial page nor a partial frame mid-stream (padding with silence would add up to
  ~80 ms per flush), and a flush's audio must all go out at the flush. A context with several
  flushes is then a chain of Ogg Opus streams (each with its own serial number, as Ogg allows),
  which ffmpeg/PyAV (LiveKit's decoder) decode whole; libsndfile itself decodes only the first. libsndfile seeks
  back at the end of a stream to fill in the header (FLAC's total sample count): those bytes
  went out long before, so the rewrite is dropped and the stream keeps "length unknown", as any
  streamed FLAC does. Opus bitrate: libsndfile 1.2 takes no bitrate, only a compression level in
  [0, 1] that it maps linearly onto 6..256 kbps (measured here: level 0 → 256 kbps, 0.5 → 131,
  1 → 6); the level for a format's kbps is derived from that. The bitrate mode cannot be set
  (libsndfile 1.2.2 refuses SFC_SET_BITRATE_MODE for Opus): libopus' default, VBR, stays.
- Stereo (Murf `channel_type=STEREO`): the mono voice in both channels, interleaved.

No encoder resamples: the voice already speaks at the format's rate (synth/resample.py, soxr),
and a rate an encoder cannot take (Opus: no 22.05/32/44.1 kHz) is refused at `create`.
"""

from __future__ import annotations

import struct
from array import array
from typing import Any, Protocol

from tui.protocol.formats import AudioFormat, from_pcm16

from .synth.chunk import SynthChunk

# Murf publishes no bitrate: the highest LAME allows for each MPEG version at its rates
# (MPEG-2.5 at 8000 Hz tops out at 64 kbps for mono), so MP3 costs as little quality as it can.
MURF_MP3_KBPS = {8000: 64, 16000: 128, 24000: 128, 44100: 128, 48000: 128}
LAME_QUALITY = 7  # LAME's "fast" setting (0 best .. 9 worst): well inside the TTFA budget
WAV_HEADER_BYTES = 44
UNKNOWN_LENGTH = 0xFFFFFFFF


class StreamEncoder(Protocol):
    def encode(self, pcm: bytes) -> bytes:
        """Wire bytes for the next piece of mono s16le PCM (possibly none yet)."""
        ...

    def finish(self) -> bytes:
        """Whatever the encoder still holds; the next `encode` starts afresh."""
        ...


def _stereo(pcm: bytes, sample_bytes: int) -> bytes:
    """Mono samples, each written twice: left and right."""
    if sample_bytes == 1:  # slice assignment: a generator per byte costs ~100x on this path
        doubled_bytes = bytearray(len(pcm) * 2)
        doubled_bytes[0::2] = pcm
        doubled_bytes[1::2] = pcm
        return bytes(doubled_bytes)
    samples = array("h", pcm[: len(pcm) // 2 * 2])
    doubled = array("h", bytes(len(samples) * 4))
    doubled[0::2] = samples
    doubled[1::2] = samples
    return doubled.tobytes()


def wav_header(sample_rate: int, channels: int) -> bytes:
    """A RIFF/WAVE header for s16le PCM of unknown length."""
    block = 2 * channels
    return (
        b"RIFF"
        + struct.pack("<I", UNKNOWN_LENGTH)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate, sample_rate * block, block, 16)
        + b"data"
        + struct.pack("<I", UNKNOWN_LENGTH)
    )


class SampleEncoder:
    """PCM, mu-law, A-law (and WAV: PCM behind a header once)."""

    def __init__(self, output: AudioFormat, channels: int = 1) -> None:
        self._output = AudioFormat("pcm", output.sample_rate) if output.encoding == "wav" else output
        self._channels = channels
        self._header = wav_header(output.sample_rate, channels) if output.encoding == "wav" else b""

    def encode(self, pcm: bytes) -> bytes:
        data = from_pcm16(self._output, pcm)
        if self._channels == 2:
            data = _stereo(data, self._output.bytes_per_sample)
        if self._header and data:
            data, self._header = self._header + data, b""
        return data

    def finish(self) -> bytes:
        return b""


class Mp3Encoder:
    """LAME at the format's rate and bitrate, created at the first audio, renewed after `finish`."""

    def __init__(self, output: AudioFormat, channels: int = 1) -> None:
        self._rate = output.sample_rate
        self._kbps = output.bitrate or MURF_MP3_KBPS.get(output.sample_rate, 128)
        self._channels = channels
        self._lame: Any = None  # a lameenc.Encoder (untyped), made on the first audio

    def _encoder(self) -> Any:
        import lameenc  # only MP3 connections need it

        lame = lameenc.Encoder()
        lame.set_in_sample_rate(self._rate)
        lame.set_out_sample_rate(self._rate)  # else LAME resamples low bitrates down
        lame.set_channels(self._channels)
        lame.set_bit_rate(self._kbps)
        lame.set_quality(LAME_QUALITY)
        return lame

    def encode(self, pcm: bytes) -> bytes:
        if not pcm:
            return b""
        if self._lame is None:
            self._lame = self._encoder()
        if self._channels == 2:
            pcm = _stereo(pcm, 2)
        return bytes(self._lame.encode(pcm))

    def finish(self) -> bytes:
        lame, self._lame = self._lame, None
        return bytes(lame.flush()) if lame is not None else b""


class _Sink:
    """A write-only file for libsndfile: keeps only the bytes appended since the last `take`."""

    def __init__(self) -> None:
        self._pending = bytearray()
        self._pos = 0
        self._end = 0

    def write(self, data: bytes) -> int:
        if self._pos == self._end:
            self._pending += data
            self._end += len(data)
        elif self._pos + len(data) > self._end:  # never seen: a rewrite that also appends
            self._pending += bytes(data)[self._end - self._pos :]
            self._end = self._pos + len(data)
        # else: a rewrite of bytes already sent (FLAC's header at the end): dropped
        self._pos += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = offset if whence == 0 else self._pos + offset if whence == 1 else self._end + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, size: int = -1) -> bytes:
        return b""  # write mode reads nothing back

    def take(self) -> bytes:
        data = bytes(self._pending)
        self._pending.clear()
        return data


OPUS_RATES = (8000, 12000, 16000, 24000, 48000)  # what libopus encodes (Opus has no 22.05/44.1 kHz)
OPUS_DEFAULT_KBPS = 64  # Inworld OGG_OPUS without a bitRate: the local server's choice (unverified)
_OPUS_MIN_BPS, _OPUS_MAX_BPS = 6_000, 256_000  # libsndfile 1.2's compression-level range for mono Opus
_OGG_PAGE_LATENCY_MS = 50.0  # libsndfile 1.2's floor (see the module docstring)
_SFC_SET_OGG_PAGE_LATENCY_MS = 0x1302  # sndfile.h 1.2; soundfile has no wrapper for it


def opus_compression_level(kbps: int) -> float:
    """libsndfile's compression level for `kbps` of mono Opus (clamped to 6..256 kbps)."""
    bps = min(_OPUS_MAX_BPS, max(_OPUS_MIN_BPS, kbps * 1000))
    return 1.0 - (bps - _OPUS_MIN_BPS) / (_OPUS_MAX_BPS - _OPUS_MIN_BPS)


class SoundfileEncoder:
    """Ogg Opus or FLAC (16-bit) via libsndfile, one stream per turn, renewed after `finish`."""

    def __init__(self, output: AudioFormat, channels: int = 1) -> None:
        self._output = output
        self._channels = channels
        self._file: Any = None  # a soundfile.SoundFile writing into `_sink`, made on the first audio
        self._sink = _Sink()

    def _open(self) -> Any:
        import soundfile  # only Opus and FLAC connections need it

        self._sink = _Sink()
        if self._output.encoding == "flac":
            return soundfile.SoundFile(
                self._sink, "w", self._output.sample_rate, self._channels, "PCM_16", format="FLAC"
            )
        kbps = self._output.bitrate or OPUS_DEFAULT_KBPS
        opus = soundfile.SoundFile(
            self._sink,
            "w",
            self._output.sample_rate,
            self._channels,
            "OPUS",
            format="OGG",
            compression_level=opus_compression_level(kbps),
        )
        latency = soundfile._ffi.new("double*", _OGG_PAGE_LATENCY_MS)
        soundfile._snd.sf_command(opus._file, _SFC_SET_OGG_PAGE_LATENCY_MS, latency, soundfile._ffi.sizeof("double"))
        return opus

    def encode(self, pcm: bytes) -> bytes:
        pcm = pcm[: len(pcm) // 2 * 2]
        if not pcm:
            return b""
        if self._file is None:
            self._file = self._open()
        if self._channels == 2:
            pcm = _stereo(pcm, 2)
        self._file.buffer_write(pcm, dtype="int16")
        return self._sink.take()

    def finish(self) -> bytes:
        file, self._file = self._file, None
        if file is None:
            return b""
        file.close()
        return self._sink.take()


def stream_encoder(output: AudioFormat, channels: int = 1) -> StreamEncoder:
    """A fresh encoder for one turn's audio in `output`."""
    if output.encoding == "mp3":
        return Mp3Encoder(output, channels)
    if output.encoding in ("opus", "flac"):
        return SoundfileEncoder(output, channels)
    return SampleEncoder(output, channels)


def join_chunks(first: SynthChunk, second: SynthChunk) -> SynthChunk:
    """`first` then `second` as one chunk: the second's char times move by the first's length."""
    offset = int(first.duration_ms + 0.5)
    return SynthChunk(
        first.pcm + second.pcm,
        first.sample_rate,
        first.text + second.text,
        first.char_start_ms + tuple(s + offset for s in second.char_start_ms),
        first.char_durations_ms + second.char_durations_ms,
        first.normalized_text + second.normalized_text,
        first.normalized_char_start_ms + tuple(s + offset for s in second.normalized_char_start_ms),
        first.normalized_char_durations_ms + second.normalized_char_durations_ms,
    )


class TurnAudio:
    """One turn's encoder, and the audio it has taken without writing bytes for it yet.

    A frame carries the alignment of the audio fed to the encoder for it. When a piece encodes
    to no bytes (MP3's lookahead), its alignment waits and rides with the next frame that has
    bytes (or with the tail), its times shifted by the waiting audio's length, so the chars of
    a turn still add up to the audio of the turn. The bytes lag that audio by the encoder's
    delay (MP3: ~25-70 ms), as any MP3 stream's do.
    """

    def __init__(self, encoder: StreamEncoder) -> None:
        self.encoder = encoder
        self._waiting: SynthChunk | None = None

    def take(self, piece: SynthChunk) -> tuple[bytes, SynthChunk | None]:
        """The bytes for `piece` and the audio they describe (None: nothing to send yet)."""
        data = self.encoder.encode(piece.pcm)
        covered = piece if self._waiting is None else join_chunks(self._waiting, piece)
        if not data:
            self._waiting = covered
            return b"", None
        self._waiting = None
        return data, covered

    def finish(self) -> tuple[bytes, SynthChunk | None]:
        """The encoder's tail and the audio still waiting for bytes."""
        waiting, self._waiting = self._waiting, None
        return self.encoder.finish(), waiting
